// The improvement-plan tab: one form per row (HSEEP IP), saved field by field; rows changed by
// others come in live, except a row with unsaved edits here.
import { api, describe } from "../api.js";
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { mergeRow } from "../projection.js";
import { base, objectivesById, page, state } from "./page.js";
import { t } from "../i18n.js";

const IP_FIELDS = ["objective", "capability", "issue", "corrective_action", "capability_element", "responsible_org",
  "point_of_contact", "start_date", "completion_date", "status"];

const dirtyRows = new Set();  // ids of rows with unsaved edits: a live update does not overwrite them

export async function loadActions() {
  try {
    const rows = await api("GET", `${base}/corrective-actions`);
    for (const row of rows) mergeRow(state.corrective_actions, row);
    renderActions();
  } catch (err) { $("ip-rows").replaceChildren(el("p", { class: "field-error" }, t("Could not load the plan: {value}", { value: describe(err) }))); }
}

/** A row changed (live): redraw, unless that row has unsaved edits here. */
export function actionChanged(id) {
  if (!dirtyRows.has(id)) renderActions();
}

function ipField(prefix, name, text, control, wide = false) {
  control.id = `${prefix}-${name}`;
  control.name = name;
  return el("div", { class: `ip-field ip-${name}${wide ? " ip-wide" : ""}` },
    el("label", { for: control.id }, text), control,
    el("p", { class: "field-error", dataset: { field: name }, role: "alert", hidden: true }));
}

function select(options, value, empty) {
  const node = el("select", {}, empty !== undefined ? el("option", { value: "" }, empty) : null,
    options.map(([v, text]) => el("option", { value: v }, text)));
  node.value = value ?? "";
  return node;
}

function textInput(value, tag = "input") {
  const node = tag === "textarea" ? el("textarea", { rows: "2", maxlength: "4000" }) : el("input", { type: "text", maxlength: "200" });
  node.value = value ?? "";
  return node;
}

function dateInput(value) {
  const node = el("input", { type: "date" });
  node.value = value ?? "";
  return node;
}

function ipForm(row) {
  const isNew = !row;
  const r = row || { status: "open" };
  const prefix = isNew ? "ip-new" : `ip-${r.id}`;
  const capabilities = [...new Set(page.objectives.map((o) => o.capability).filter(Boolean))];
  const listId = `${prefix}-capabilities`;
  const capability = textInput(r.capability);
  capability.setAttribute("list", listId);
  const objective = select(page.objectives.map((o) => [o.id, `${o.id} · ${o.capability || ""}`]), r.objective, "—");
  objective.addEventListener("change", () => {
    const o = objectivesById.get(objective.value);
    if (o?.capability && !capability.value.trim()) capability.value = o.capability;
  });
  const save = el("button", { class: "btn btn-primary", type: "submit" }, isNew ? t("Add row") : t("Save"));
  const status = el("p", { class: "small muted ip-saved", role: "status" });
  const form = el("form", { class: `ip-row${isNew ? " ip-row-new" : ""}`, novalidate: true,
    dataset: isNew ? { new: "true" } : { actionId: String(r.id), status: r.status } },
  isNew ? null : el("div", { class: "ip-row-head" }, el("strong", {}, `#${r.id}`),
    el("span", { class: `badge ip-status-${r.status}` }, label("plan-status", r.status))),
  el("datalist", { id: listId }, capabilities.map((c) => el("option", { value: c }))),
  el("div", { class: "ip-grid" },
    ipField(prefix, "objective", t("Objective"), objective),
    ipField(prefix, "capability", t("Capability"), capability),
    ipField(prefix, "issue", t("Issue / area for improvement"), textInput(r.issue, "textarea"), true),
    ipField(prefix, "corrective_action", t("Corrective action"), textInput(r.corrective_action, "textarea"), true),
    ipField(prefix, "capability_element", t("Capability element"),
      select(page.capability_elements.map((c) => [c, c]), r.capability_element, t("Choose…"))),
    ipField(prefix, "responsible_org", t("Primary responsible organization"), textInput(r.responsible_org)),
    ipField(prefix, "point_of_contact", t("Organization point of contact"), textInput(r.point_of_contact)),
    ipField(prefix, "start_date", t("Start date"), dateInput(r.start_date)),
    ipField(prefix, "completion_date", t("Completion date"), dateInput(r.completion_date)),
    ipField(prefix, "status", t("Status"), select(page.statuses.map((s) => [s, label("plan-status", s)]), r.status))),
  el("p", { class: "field-error ip-form-error", role: "alert", hidden: true }),
  el("div", { class: "row" }, status, save));
  if (!isNew) {
    save.disabled = true;
    form.addEventListener("input", () => { dirtyRows.add(r.id); save.disabled = false; status.textContent = t("Unsaved changes"); });
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); submitAction(form, row); });
  return form;
}

function formValues(form) {
  const values = {};
  for (const name of IP_FIELDS) {
    const node = form.elements.namedItem(name);
    const v = node.value.trim();
    values[name] = v === "" ? null : v;
  }
  return values;
}

function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((n) => { n.hidden = true; n.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

function showErrors(form, err) {
  let placed = false;
  for (const [field, reasons] of Object.entries(err.fields || {})) {
    const slot = form.querySelector(`.field-error[data-field="${field}"]`);
    if (!slot) continue;
    slot.textContent = [].concat(reasons).join("; ").replace(/\b(start_date|completion_date)\b/g,
      (name) => (name === "start_date" ? t("the start date") : t("the completion date")));
    slot.hidden = false;
    form.elements.namedItem(field)?.setAttribute("aria-invalid", "true");
    if (!placed) form.elements.namedItem(field)?.focus();
    placed = true;
  }
  if (!placed) {
    const general = form.querySelector(".ip-form-error");
    general.textContent = describe(err);
    general.hidden = false;
  }
}

async function submitAction(form, row) {
  clearErrors(form);
  const values = formValues(form);
  let body;
  if (row) {  // only what changed; blank text fields that are optional become ""
    body = {};
    for (const name of IP_FIELDS) {
      const before = row[name] ?? null;
      if (values[name] !== before) body[name] = values[name] === null && name === "point_of_contact" ? "" : values[name];
    }
    if (!Object.keys(body).length) { dirtyRows.delete(row.id); renderActions(); return; }
  } else {
    body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
  }
  try {
    const saved = row ? await api("PATCH", `${base}/corrective-actions/${row.id}`, body)
      : await api("POST", `${base}/corrective-actions`, body);
    if (row) dirtyRows.delete(row.id);
    mergeRow(state.corrective_actions, saved);
    renderActions();
    if (!row) { $("ip-new").replaceChildren(ipForm(null)); }
    const node = document.querySelector(`#ip-rows form[data-action-id="${saved.id}"] .ip-saved`);
    if (node) node.textContent = row ? t("Saved") : t("Added");
  } catch (err) {
    showErrors(form, err);
  }
}

export function renderActions() {
  const rows = Object.values(state.corrective_actions).sort((a, b) => a.id - b.id);
  const existing = new Map([...$("ip-rows").querySelectorAll("form[data-action-id]")].map((f) => [+f.dataset.actionId, f]));
  $("ip-rows").replaceChildren(...(rows.length
    ? rows.map((r) => (dirtyRows.has(r.id) && existing.get(r.id)) || ipForm(r))
    : [el("p", { class: "muted", id: "ip-empty" }, t("No rows yet. Add the first area for improvement below."))]));
}

/** The form for a new row. */
export function setupPlan() {
  $("ip-new").replaceChildren(ipForm(null));
}
