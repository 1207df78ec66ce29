// The checklist editor: agencies, phases, steps (text, responsible agencies, each/any, critical,
// after, guidance, reference, task type), the crosswalk to each agency's own SOP clauses, and
// the harmonization gap report beside it, live from the server's check.
//
// Hooks for browser tests (besides editor-core's):
//   #f-id (new checklists), #f-title, #f-version, #f-summary
//   #agency-rows tr (inputs [data-path="agencies[i].key|name"]), #btn-add-agency
//   #phase-rows tr, #btn-add-phase
//   #step-list .step-card[data-step="IC-01"] with inputs [data-path="steps[i].id|text|phase|mode|guidance|reference|
//     task_type|after"], .step-agencies input[data-agency], input.step-critical, buttons
//     [data-action=up|down|duplicate|delete]; #btn-add-step
//   #crosswalk .crosswalk-agency[data-agency] (document input, .clause-row inputs, .btn-add-clause), #crosswalk-add
//   #gaps > li.gap-agency[data-agency] > ul > li.gap-step[data-step]
import { el } from "../dom.js";
import { $, DocumentEditor, jsonBlock, move, selectField, setOptional, textField } from "./editor-core.js";
import { t } from "../i18n.js";

const page = JSON.parse($("editor-data").textContent);
const KNOWN = new Set(["id", "title", "version", "summary", "sources", "agencies", "phases", "steps", "crosswalk"]);
const TASK_TYPES = ["", "life-saving", "prevent-severe-effects", "catastrophic", "avert-collective-dose", "occupational"];

const editor = new DocumentEditor(page, {
  render: renderAll,
  emptyDocument: () => ({ id: "", title: "", version: 1, agencies: [], phases: [], steps: [] }),
  onChecked: renderGaps,
  reveal: (path) => {
    const step = /^steps\[(\d+)\]/.exec(path);
    if (step) document.querySelectorAll(".step-card")[Number(step[1])]?.scrollIntoView({ block: "center" });
  },
});

const list = (key) => (Array.isArray(editor.doc[key]) ? editor.doc[key] : []);

function renderAll(ed) {
  if (!ed.doc) return;
  renderMeta(ed);
  renderRows(ed, "agencies", "agency-rows", [["key", t("Key")], ["name", t("Name")]]);
  renderRows(ed, "phases", "phase-rows", [["key", t("Key")], ["title", t("Title")]]);
  renderSteps(ed);
  renderCrosswalk(ed);
  const unknown = Object.entries(ed.doc).filter(([key]) => !KNOWN.has(key));
  $("other-blocks").replaceChildren(...unknown.map(([key, value]) => jsonBlock(key, value)));
  $("sec-other").hidden = unknown.length === 0;
}

function renderMeta(ed) {
  const doc = ed.doc;
  $("meta-fields").replaceChildren(
    ed.id === null ? textField(ed, { label: t("Id (a-z, 0-9, -; it cannot change later)"), path: "id", id: "f-id",
      value: doc.id, set: (d, v) => { d.id = v; } }) : "",
    textField(ed, { label: t("Title"), path: "title", id: "f-title", value: doc.title, set: (d, v) => { d.title = v; } }),
    textField(ed, { label: t("Content version (a whole number)"), path: "version", id: "f-version", value: doc.version,
      set: (d, v) => { d.version = /^\d+$/.test(v) ? Number(v) : v; } }),
    textField(ed, { label: t("Summary"), path: "summary", id: "f-summary", value: doc.summary, multiline: true,
      set: (d, v) => setOptional(d, "summary", v) }));
}

function rowActions(ed, key, index, what) {
  return el("td", { class: "ed-row-actions" },
    el("button", { type: "button", class: "btn btn-small btn-quiet", "aria-label": t("Move {what} up", { what }),
      disabled: !ed.page.can_edit, onclick: () => ed.change((d) => move(d[key], index, -1)) }, "↑"),
    el("button", { type: "button", class: "btn btn-small btn-quiet", "aria-label": t("Move {what} down", { what }),
      disabled: !ed.page.can_edit, onclick: () => ed.change((d) => move(d[key], index, 1)) }, "↓"),
    el("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": t("Delete {what}", { what }),
      disabled: !ed.page.can_edit, onclick: () => { ed.change((d) => d[key].splice(index, 1)); ed.toast(t("Deleted {what}.", { what })); } },
    "✕"));
}

function input(ed, path, value, set, label, attrs = {}) {
  const node = el("input", { type: "text", dataset: { path }, "aria-label": label, readonly: !ed.page.can_edit, ...attrs });
  node.value = value ?? "";
  node.addEventListener("input", () => ed.edit(node, (d) => set(d, node.value)));
  return node;
}

function renderRows(ed, key, tbody, columns) {
  $(tbody).replaceChildren(...list(key).map((row, i) => el("tr", {},
    ...columns.map(([field, label]) => el("td", {}, input(ed, `${key}[${i}].${field}`, row[field],
      (d, v) => { d[key][i][field] = v; }, `${label} ${i + 1}`))),
    rowActions(ed, key, i, `${key === "agencies" ? "agency" : "phase"} ${row.key || i + 1}`))));
}

const ids = (text) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

function renderSteps(ed) {
  const agencies = list("agencies");
  const phases = list("phases");
  $("step-list").replaceChildren(...list("steps").map((step, i) => {
    const p = `steps[${i}]`;
    const boxes = el("div", { class: "step-agencies", dataset: { path: `${p}.agencies` } },
      ...agencies.map((agency) => el("label", { class: "ed-check" }, el("input", {
        type: "checkbox", dataset: { agency: agency.key }, checked: (step.agencies ?? []).includes(agency.key),
        disabled: !ed.page.can_edit,
        onchange: (e) => ed.change((d) => {
          const chosen = new Set(d.steps[i].agencies ?? []);
          if (e.target.checked) chosen.add(agency.key); else chosen.delete(agency.key);
          d.steps[i].agencies = agencies.map((a) => a.key).filter((key) => chosen.has(key))
            .concat([...chosen].filter((key) => !agencies.some((a) => a.key === key)));
        }, { quiet: true }) }), agency.name || agency.key)));
    const critical = el("input", { type: "checkbox", class: "step-critical", checked: step.critical === true,
      dataset: { path: `${p}.critical` }, disabled: !ed.page.can_edit,
      onchange: (e) => ed.change((d) => { if (e.target.checked) d.steps[i].critical = true; else delete d.steps[i].critical; },
        { quiet: true }) });
    return el("article", { class: "step-card", dataset: { step: step.id ?? "" } },
      el("header", {},
        el("h3", { class: "mono" }, step.id || t("step {n}", { n: i + 1 })),
        el("div", { class: "ed-row-actions" },
          ...["up", "down", "duplicate", "delete"].map((action) => el("button", {
            type: "button", class: `btn btn-small ${action === "delete" ? "btn-danger" : "btn-quiet"}`,
            dataset: { action }, disabled: !ed.page.can_edit, "aria-label": { up: t("Move step {step} up"), down: t("Move step {step} down"), duplicate: t("Duplicate step {step}"),
              delete: t("Delete step {step}") }[action].replace("{step}", step.id ?? i + 1),
            onclick: () => stepAction(action, i) }, { up: "↑", down: "↓", duplicate: "⧉", delete: "✕" }[action])))),
      el("div", { class: "ed-fields two" },
        textField(ed, { label: t("Id"), path: `${p}.id`, value: step.id, set: (d, v) => { d.steps[i].id = v; } }),
        selectField(ed, { label: t("Phase"), path: `${p}.phase`, value: step.phase ?? "",
          options: [["", t("(none)")], ...phases.map((ph) => [ph.key, ph.title || ph.key])],
          set: (d, v) => setOptional(d.steps[i], "phase", v) }),
        selectField(ed, { label: t("Who does it"), path: `${p}.mode`, value: step.mode ?? "each",
          options: [["each", t("each responsible team")], ["any", t("any one of them, for all (joint)")]],
          set: (d, v) => { if (v === "each" && !("mode" in d.steps[i])) return; d.steps[i].mode = v; } }),
        selectField(ed, { label: t("Task type (dose guidance)"), path: `${p}.task_type`, value: step.task_type ?? "",
          options: TASK_TYPES.map((key) => [key, key || t("(none)")]), set: (d, v) => setOptional(d.steps[i], "task_type", v) }),
        textField(ed, { label: t("After (step ids)"), path: `${p}.after`, value: (step.after ?? []).join(", "),
          set: (d, v) => setOptional(d.steps[i], "after", ids(v).length ? ids(v) : "") }),
        textField(ed, { label: t("Reference"), path: `${p}.reference`, value: step.reference,
          set: (d, v) => setOptional(d.steps[i], "reference", v) })),
      textField(ed, { label: t("What the team does"), path: `${p}.text`, value: step.text, multiline: true,
        set: (d, v) => { d.steps[i].text = v; } }),
      el("fieldset", { class: "ed-inline" }, el("legend", {}, t("Responsible agencies")), boxes),
      el("label", { class: "ed-check" }, critical, t("Critical (counts three times in the score)")),
      textField(ed, { label: t("Guidance"), path: `${p}.guidance`, value: step.guidance, multiline: true,
        set: (d, v) => setOptional(d.steps[i], "guidance", v) }));
  }));
  $("step-count").textContent = `(${list("steps").length})`;
}

function nextStepId() {
  const used = new Set(list("steps").map((s) => s.id));
  for (let n = list("steps").length + 1; ; n += 1) {
    const id = `S-${String(n).padStart(2, "0")}`;
    if (!used.has(id)) return id;
  }
}

function stepAction(action, index) {
  const id = list("steps")[index].id;
  if (action === "up" || action === "down") {
    editor.change((d) => move(d.steps, index, action === "up" ? -1 : 1));
  } else if (action === "duplicate") {
    const copy = { ...JSON.parse(JSON.stringify(list("steps")[index])), id: nextStepId() };
    editor.change((d) => d.steps.splice(index + 1, 0, copy));
    editor.toast(t("Duplicated as {id}.", { id: copy.id }));
  } else {
    editor.change((d) => d.steps.splice(index, 1));
    editor.toast(t("Deleted step {id}.", { id }));
  }
}

function renderCrosswalk(ed) {
  const crosswalk = ed.doc.crosswalk && typeof ed.doc.crosswalk === "object" ? ed.doc.crosswalk : {};
  $("crosswalk").replaceChildren(...Object.entries(crosswalk).map(([agency, entry]) => {
    const p = `crosswalk.${agency}`;
    const clauses = Array.isArray(entry.clauses) ? entry.clauses : [];
    return el("section", { class: "crosswalk-agency", dataset: { agency, path: p } },
      el("div", { class: "panel-head" }, el("h3", {}, agency),
        el("button", { type: "button", class: "btn btn-small btn-danger edit-only", "aria-label": t("Delete the crosswalk of {agency}", { agency }),
          onclick: () => { ed.change((d) => { delete d.crosswalk[agency]; }); ed.toast(t("Deleted the crosswalk of {agency}.", { agency })); } },
        "✕")),
      textField(ed, { label: t("Their SOP document"), path: `${p}.document`, value: entry.document,
        set: (d, v) => { d.crosswalk[agency].document = v; } }),
      el("table", { class: "ed-table" },
        el("thead", {}, el("tr", {}, el("th", {}, t("Clause")), el("th", {}, t("Title")), el("th", {}, t("Harmonized steps")), el("th", {}))),
        el("tbody", {}, ...clauses.map((clause, k) => el("tr", { class: "clause-row" },
          el("td", {}, input(ed, `${p}.clauses[${k}].clause`, clause.clause, (d, v) => { d.crosswalk[agency].clauses[k].clause = v; },
            t("Clause {value} of {agency}", { value: k + 1, agency }))),
          el("td", {}, input(ed, `${p}.clauses[${k}].title`, clause.title,
            (d, v) => setOptional(d.crosswalk[agency].clauses[k], "title", v), t("Title of clause {value}", { value: k + 1 }))),
          el("td", {}, input(ed, `${p}.clauses[${k}].steps`, (clause.steps ?? []).join(", "),
            (d, v) => { d.crosswalk[agency].clauses[k].steps = ids(v); }, t("Steps of clause {value}", { value: k + 1 }))),
          el("td", { class: "ed-row-actions" }, el("button", { type: "button", class: "btn btn-small btn-danger",
            disabled: !ed.page.can_edit, "aria-label": t("Delete clause {value}", { value: clause.clause ?? k + 1 }),
            onclick: () => ed.change((d) => d.crosswalk[agency].clauses.splice(k, 1)) }, "✕")))))),
      el("button", { type: "button", class: "btn btn-small btn-add-clause edit-only",
        onclick: () => ed.change((d) => { d.crosswalk[agency].clauses = [...(d.crosswalk[agency].clauses ?? []),
          { clause: "", steps: [] }]; }) }, t("+ Clause")));
  }));
  const missing = list("agencies").filter((a) => !(a.key in crosswalk));
  $("crosswalk-agency").replaceChildren(...missing.map((a) => el("option", { value: a.key }, a.name || a.key)));
  $("crosswalk-add-row").hidden = !ed.page.can_edit || missing.length === 0;
}

function renderGaps(result) {
  const gaps = result.gaps;
  $("gaps-stale").hidden = Boolean(gaps);
  if (!gaps) return;  // the checklist has problems: the last report stays, marked as not current
  const steps = Object.fromEntries(list("steps").map((s) => [s.id, s.text]));
  $("gaps").replaceChildren(...Object.entries(gaps).map(([agency, missing]) => el("li", { class: "gap-agency",
    dataset: { agency } }, el("strong", {}, agency), missing.length ? t(" — {count} step(s) no clause covers", { count: missing.length }) : t(" — no gaps"),
  el("ul", {}, ...missing.map((id) => el("li", { class: "gap-step", dataset: { step: id }, title: steps[id] ?? "" }, id))))));
  $("gaps-empty").hidden = Object.keys(gaps).length > 0;
}

$("btn-add-agency").addEventListener("click", () => editor.change((d) => {
  d.agencies = [...(Array.isArray(d.agencies) ? d.agencies : []), { key: "", name: "" }];
}));
$("btn-add-phase").addEventListener("click", () => editor.change((d) => {
  d.phases = [...(Array.isArray(d.phases) ? d.phases : []), { key: "", title: "" }];
}));
$("btn-add-step").addEventListener("click", () => editor.change((d) => {
  d.steps = [...(Array.isArray(d.steps) ? d.steps : []), { id: nextStepId(), text: "", agencies: [] }];
}));
$("crosswalk-add").addEventListener("click", () => {
  const agency = $("crosswalk-agency").value;
  if (!agency) return;
  editor.change((d) => { d.crosswalk = { ...(d.crosswalk ?? {}), [agency]: { document: "", clauses: [] } }; });
});
if (!page.can_edit) document.querySelectorAll(".edit-only").forEach((node) => { node.hidden = true; });

editor.load();
