// Quick timed observations: the form (time taken at the first keystroke), the list, and
// editing one's own observations.
import { api, describe } from "../api.js";
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { mergeRow } from "../projection.js";
import { clockTime, readDuration } from "../timefmt.js";
import { base, live, objectiveOptions, objectivesById, page, showAlert, state, teamName } from "./page.js";
import { t } from "../i18n.js";

const form = { stampedAt: null, edited: false };

export function setupObservationForm() {
  $("obs-team").append(...page.teams.map((t) => el("option", { value: t.key }, t.name)));
  objectiveOptions($("obs-objective"), t("No objective"));
  $("obs-objective").addEventListener("change", showCapability);
  // On a tablet the form opens on the first tap and closes when saved (not on blur: no jumps under a finger).
  $("obs-form").addEventListener("focusin", () => $("obs-form").classList.add("open"));
  $("obs-text").addEventListener("input", () => {
    $("obs-form").classList.add("open");
    if (form.stampedAt === null && $("obs-text").value.trim()) {
      form.stampedAt = Math.floor(live.elapsed());
      if (!form.edited) $("obs-at").value = clockTime(form.stampedAt);
    }
    if (!$("obs-text").value.trim() && !form.edited) { form.stampedAt = null; $("obs-at").value = ""; }
  });
  $("obs-at").addEventListener("input", () => { form.edited = $("obs-at").value.trim() !== ""; $("obs-at").removeAttribute("aria-invalid"); });
  $("obs-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("obs-form").requestSubmit(); }
  });
  $("obs-form").addEventListener("submit", (e) => { e.preventDefault(); submitObservation(); });
  $("obs-mine").addEventListener("change", renderObservations);
}

function showCapability() {
  const o = objectivesById.get($("obs-objective").value);
  $("obs-capability").textContent = o ? t("Capability: {value}", { value: o.capability || "—" }) : "";
}

function obsError(text, field) {
  $("obs-error").textContent = text;
  $("obs-error").hidden = !text;
  for (const id of ["obs-text", "obs-at"]) $(id).removeAttribute("aria-invalid");
  if (field) $(field).setAttribute("aria-invalid", "true");
}

async function submitObservation() {
  const text = $("obs-text").value.trim();
  if (!text) { obsError(t("Write what you observed first."), "obs-text"); $("obs-text").focus(); return; }
  const body = { text, team: $("obs-team").value || null, objective: $("obs-objective").value || null,
    tag: document.querySelector("input[name=obs-tag]:checked")?.value || null };
  if ($("obs-zone").value) body.zone = $("obs-zone").value;
  const atText = $("obs-at").value;
  if (atText.trim()) {
    const at = readDuration(atText);
    if (at === null) { obsError(t("Write the time as h:mm:ss, for example 0:12:30."), "obs-at"); $("obs-at").focus(); return; }
    body.exercise_time_s = Math.min(at, Math.floor(live.elapsed()));
  }
  const button = $("obs-submit");
  button.disabled = true;
  try {
    const saved = await api("POST", `${base}/observations`, body);
    mergeRow(state.observations, saved);
    renderObservations();
    obsError("");
    $("obs-text").value = "";
    $("obs-at").value = "";
    form.stampedAt = null; form.edited = false;
    document.querySelector("input[name=obs-tag][value='']").checked = true;
    $("obs-form").classList.remove("open");
    $("obs-text").focus();
  } catch (err) {
    const field = err.fields && ("exercise_time_s" in err.fields || "at" in err.fields) ? "obs-at" : "obs-text";
    obsError(describe(err), field);
  } finally {
    button.disabled = false;
  }
}

/** The zones standing on the site map (from the live log), to attach an observation to one. */
export function renderZoneOptions() {
  const select = $("obs-zone");
  const zones = Object.values(state.zones || {}).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, t("No zone")),
    ...zones.map((z) => el("option", { value: z.id }, `${z.id} ${z.kind.replaceAll("-", " ")}${z.team ? ` (${teamName(z.team)})` : ""}`)));
  select.value = zones.some((z) => z.id === chosen) ? chosen : "";
  select.hidden = !zones.length;
}

export async function loadObservations() {
  try {
    const rows = await api("GET", `${base}/observations`);
    for (const o of rows) mergeRow(state.observations, o);
    renderObservations();
  } catch (err) { showAlert(t("Could not load the observations: {value}", { value: describe(err) })); }
}

export function renderObservations() {
  const mine = $("obs-mine").checked;
  const all = Object.values(state.observations);
  const rows = all.filter((o) => !mine || o.evaluator === page.user)
    .sort((a, b) => b.exercise_time_s - a.exercise_time_s || b.id - a.id);  // newest first: what you just wrote is on top
  $("obs-count").textContent = String(all.length);
  $("obs-empty").hidden = rows.length > 0;
  $("obs-list").replaceChildren(...rows.map((o) => {
    const own = o.evaluator === page.user;
    const objective = o.objective ? `${o.objective}${o.capability ? ` · ${o.capability}` : ""}` : (o.capability || null);
    const item = el("li", { class: `obs${o.tag ? ` obs-${o.tag}` : ""}${own ? " own" : ""}`, dataset: { observation: String(o.id) } },
      el("div", { class: "obs-head" },
        el("span", { class: "time mono" }, clockTime(o.exercise_time_s)),
        o.tag ? el("span", { class: `badge tag-${o.tag}` }, label("observation-tag", o.tag)) : null,
        o.team ? el("span", { class: "badge" }, teamName(o.team)) : null,
        el("span", { class: "muted small obs-by" }, own ? "you" : (o.evaluator || "")),
        own ? el("button", { class: "btn btn-small btn-quiet", type: "button", "aria-label": t("Edit observation at {value}", { value: clockTime(o.exercise_time_s) }),
          onclick: () => editObservation(item, o) }, t("Edit")) : null),
      el("p", { class: "obs-text" }, o.text),
      objective ? el("p", { class: "small muted obs-objective" }, objective) : null);
    return item;
  }));
}

function editObservation(item, o) {
  const textId = `obs-edit-text-${o.id}`, timeId = `obs-edit-at-${o.id}`;
  const error = el("p", { class: "field-error", role: "alert", hidden: true });
  const editor = el("form", { class: "obs-edit form" },
    el("label", { for: textId, class: "sr-only" }, t("Observation")),
    el("textarea", { id: textId, rows: "3", maxlength: "8000" }),
    el("label", { for: timeId, class: "small" }, t("Exercise time (h:mm:ss)")),
    el("input", { id: timeId, type: "text", class: "mono", value: clockTime(o.exercise_time_s) }),
    error,
    el("div", { class: "row" },
      el("button", { class: "btn btn-small btn-quiet", type: "button", onclick: renderObservations }, t("Cancel")),
      el("button", { class: "btn btn-small btn-primary", type: "submit" }, t("Save"))));
  editor.querySelector("textarea").value = o.text;
  editor.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { text: editor.querySelector("textarea").value };
    const at = readDuration(editor.querySelector("input").value);
    if (at === null) { error.textContent = t("Write the time as h:mm:ss."); error.hidden = false; return; }
    if (Math.abs(at - o.exercise_time_s) >= 1) body.exercise_time_s = at;
    try {
      const saved = await api("PATCH", `${base}/observations/${o.id}`, body);
      mergeRow(state.observations, saved);
      renderObservations();
    } catch (err) { error.textContent = describe(err); error.hidden = false; }
  });
  item.replaceChildren(editor);
  editor.querySelector("textarea").focus();
}
