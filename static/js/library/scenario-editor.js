// The scenario editor: metadata, teams, objectives and sources, and the injects as a table and
// as a timeline per team (drag an inject to retime it, drag it to another lane to readdress it;
// with the keyboard: arrows). Each inject opens in a dialog: from, to, channel, type, title, the
// Markdown body with a live preview, expected steps (picked from the checklist, filtered to the
// addressed teams' agencies) with their time windows, objective, contingency, reserve.
//
// Hooks for browser tests (besides editor-core's):
//   #f-id (new scenarios), #f-title, #f-duration, #f-sop, #f-summary, #f-hazard, #f-version, #f-language
//   #team-rows tr[data-team-index] (inputs [data-path="teams[i].key|name|agency"]), #btn-add-team
//   #objective-rows tr (inputs [data-path="objectives[i].id|text|capability"]), #btn-add-objective
//   #btn-add-inject, #inject-rows tr[data-inject="I-01"] with buttons [data-action=edit|duplicate|up|down|delete]
//   #view-table / #view-timeline (toggle), #timeline .lane[data-lane="all"|KEY] > .tl-inject[data-inject][data-at]
//   #tl-untimed > .tl-inject (reserve and contingency injects)
//   #inject-dialog: #i-id, #i-at, #i-from, #i-to input[data-to="all"|KEY], #i-channel, #i-type, #i-title,
//     #i-body, #i-preview, #i-expects .expect-row (select.x-step, input.x-within, button.x-remove),
//     #i-add-expect, #i-objective, #i-overdue-step, #i-overdue-mode, #i-requires-ack, #i-notes, #i-apply, #i-cancel
import { api, describe } from "../api.js";
import { el } from "../dom.js";
import { renderSite, startSiteEditor, wireBackground } from "./site-editor.js";
import { $, DocumentEditor, clock, debounce, formatUnits, jsonBlock, move, parseTime, selectField, setOptional,
  textField } from "./editor-core.js";
import { t } from "../i18n.js";

const page = JSON.parse($("editor-data").textContent);
const CHANNELS = ["radio", "phone", "email", "media", "field-report", "sensor", "other"];
const TYPES = ["event", "information", "request", "media", "contingency"];
const KNOWN = new Set(["id", "title", "version", "summary", "language", "hazard", "duration", "sop", "sources",
  "objectives", "teams", "injects", "site", "radiation"]);  // site and radiation: the map (site-editor.js)
// The core capabilities' names as the content stores them (not translated: they are values).
const CAPABILITIES = ["Planning", "Public Information and Warning", "Operational Coordination", "Intelligence and "
  + "Information Sharing", "Interdiction and Disruption", "Screening, Search, and Detection", "Forensics and "
  + "Attribution", "Access Control and Identity Verification", "Physical Protective Measures", "Critical "
  + "Transportation", "Environmental Response/Health and Safety", "Fatality Management Services", "Fire Management "
  + "and Suppression", "Mass Care Services", "Mass Search and Rescue Operations", "On-scene Security, Protection, "
  + "and Law Enforcement", "Operational Communications", "Public Health, Healthcare, and Emergency Medical Services",
  "Situational Assessment", "Infrastructure Systems", "Health and Social Services"];
const SNAP_S = 30;

const view = { mode: "timeline", checklist: null, checklistId: null, dialogIndex: null };

const editor = new DocumentEditor(page, {
  render: renderAll,
  emptyDocument: () => ({ id: "", title: "", version: 1, duration: "1h", sop: page.checklists[0]?.id ?? "",
    objectives: [], teams: [], injects: [] }),
  reveal,
});

// -- the checklist the scenario is held to ---------------------------------------------------

async function loadChecklist() {
  const sop = editor.doc?.sop;
  if (!sop || sop === view.checklistId) return;
  view.checklistId = sop;
  try {
    view.checklist = await api("GET", `/sops/${encodeURIComponent(sop)}`);
  } catch (err) {
    view.checklist = null;
  }
  renderAll(editor);
}

const agencies = () => view.checklist?.agencies ?? [];
const steps = () => view.checklist?.steps ?? [];
const teams = () => (Array.isArray(editor.doc.teams) ? editor.doc.teams : []);
const injects = () => (Array.isArray(editor.doc.injects) ? editor.doc.injects : []);

// -- rendering ----------------------------------------------------------------------------------

function renderAll(ed) {
  if (!ed.doc) return;
  if (ed.doc.sop !== view.checklistId) loadChecklist();
  renderMeta(ed);
  renderTeams(ed);
  renderObjectives(ed);
  renderSources(ed);
  renderInjects(ed);
  renderSite(ed);
  renderOther(ed);
  if (view.dialogIndex !== null && $("inject-dialog").open) renderDialog(view.dialogIndex);
}

function renderMeta(ed) {
  const doc = ed.doc;
  const fields = [];
  if (ed.id === null) {
    fields.push(textField(ed, { label: t("Id (a-z, 0-9, -; it cannot change later)"), path: "id", id: "f-id", value: doc.id,
      set: (d, v) => { d.id = v; } }));
  }
  fields.push(
    textField(ed, { label: t("Title"), path: "title", id: "f-title", value: doc.title, set: (d, v) => { d.title = v; } }),
    selectField(ed, { label: t("Checklist the teams are held to"), path: "sop", id: "f-sop", value: doc.sop,
      options: page.checklists.map((c) => [c.id, c.title]), set: (d, v) => { d.sop = v; } }),
    textField(ed, { label: t("Duration (e.g. 2h30m)"), path: "duration", id: "f-duration", value: doc.duration,
      set: (d, v) => { d.duration = v; } }),
    textField(ed, { label: t("Hazard"), path: "hazard", id: "f-hazard", value: doc.hazard,
      set: (d, v) => setOptional(d, "hazard", v) }),
    textField(ed, { label: t("Content version (a whole number)"), path: "version", id: "f-version", value: doc.version,
      set: (d, v) => { d.version = /^\d+$/.test(v) ? Number(v) : v; } }),
    textField(ed, { label: t("Language (en, fr, pt-BR...)"), path: "language", id: "f-language", value: doc.language,
      set: (d, v) => setOptional(d, "language", v) }),
    textField(ed, { label: t("Summary"), path: "summary", id: "f-summary", value: doc.summary, multiline: true,
      set: (d, v) => setOptional(d, "summary", v) }),
  );
  $("meta-fields").replaceChildren(...fields);
  $("f-sop").addEventListener("change", () => loadChecklist());
}

function rowButtons(ed, list, index, what) {
  return el("td", { class: "ed-row-actions" },
    el("button", { type: "button", class: "btn btn-small btn-quiet", "aria-label": t("Move {what} up", { what }), disabled: !ed.page.can_edit,
      onclick: () => ed.change((d) => move(list(d), index, -1)) }, "↑"),
    el("button", { type: "button", class: "btn btn-small btn-quiet", "aria-label": t("Move {what} down", { what }), disabled: !ed.page.can_edit,
      onclick: () => ed.change((d) => move(list(d), index, 1)) }, "↓"),
    el("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": t("Delete {what}", { what }), disabled: !ed.page.can_edit,
      onclick: () => { ed.change((d) => list(d).splice(index, 1)); ed.toast(t("Deleted {what}.", { what })); } }, "✕"));
}

function cellInput(ed, path, value, set, label) {
  const input = el("input", { type: "text", dataset: { path }, "aria-label": label, readonly: !ed.page.can_edit });
  input.value = value ?? "";
  input.addEventListener("input", () => ed.edit(input, (d) => set(d, input.value)));
  return el("td", {}, input);
}

function renderTeams(ed) {
  const agencyOptions = agencies().map((a) => [a.key, a.name]);
  $("team-rows").replaceChildren(...teams().map((team, i) => {
    const select = el("select", { dataset: { path: `teams[${i}].agency` }, "aria-label": t("Agency of team {value}", { value: i + 1 }),
      disabled: !ed.page.can_edit });
    for (const [key, name] of agencyOptions) select.append(el("option", { value: key, selected: key === team.agency }, name));
    if (!agencyOptions.some(([key]) => key === team.agency)) {
      select.append(el("option", { value: team.agency ?? "", selected: true }, `${team.agency || "(choose)"}`));
    }
    select.addEventListener("change", () => ed.change((d) => { d.teams[i].agency = select.value; }));
    return el("tr", { dataset: { teamIndex: String(i) } },
      cellInput(ed, `teams[${i}].key`, team.key, (d, v) => { d.teams[i].key = v; }, t("Key of team {value}", { value: i + 1 })),
      cellInput(ed, `teams[${i}].name`, team.name, (d, v) => { d.teams[i].name = v; }, t("Name of team {value}", { value: i + 1 })),
      el("td", {}, select),
      rowButtons(ed, (d) => d.teams, i, t("team {team}", { team: team.key || i + 1 })));
  }));
}

function renderObjectives(ed) {
  const objectives = Array.isArray(ed.doc.objectives) ? ed.doc.objectives : [];
  $("objective-rows").replaceChildren(...objectives.map((objective, i) => el("tr", {},
    cellInput(ed, `objectives[${i}].id`, objective.id, (d, v) => { d.objectives[i].id = v; }, t("Id of objective {value}", { value: i + 1 })),
    cellInput(ed, `objectives[${i}].text`, objective.text, (d, v) => { d.objectives[i].text = v; },
      t("Text of objective {value}", { value: i + 1 })),
    (() => {
      const cell = cellInput(ed, `objectives[${i}].capability`, objective.capability,
        (d, v) => setOptional(d.objectives[i], "capability", v), t("Core capability of objective {value}", { value: i + 1 }));
      cell.firstChild.setAttribute("list", "capabilities");
      return cell;
    })(),
    rowButtons(ed, (d) => d.objectives, i, t("objective {objective}", { objective: objective.id || i + 1 })))));
}

function renderSources(ed) {
  const sources = Array.isArray(ed.doc.sources) ? ed.doc.sources : [];
  $("source-rows").replaceChildren(...sources.map((source, i) => el("tr", {},
    cellInput(ed, `sources[${i}].id`, source.id, (d, v) => { d.sources[i].id = v; }, t("Id of source {value}", { value: i + 1 })),
    cellInput(ed, `sources[${i}].title`, source.title, (d, v) => { d.sources[i].title = v; }, t("Title of source {value}", { value: i + 1 })),
    cellInput(ed, `sources[${i}].url`, source.url, (d, v) => setOptional(d.sources[i], "url", v), t("Link of source {value}", { value: i + 1 })),
    rowButtons(ed, (d) => d.sources, i, t("source {source}", { source: source.id || i + 1 })))));
}

function renderOther(ed) {
  const unknown = Object.entries(ed.doc).filter(([key]) => !KNOWN.has(key));
  $("other-blocks").replaceChildren(...unknown.map(([key, value]) => jsonBlock(key, value)));
  $("sec-other").hidden = unknown.length === 0;
}

// -- injects: the table -----------------------------------------------------------------------

function toText(to) {
  if (to === "all") return t("all teams");
  if (!Array.isArray(to)) return String(to ?? "");
  const names = Object.fromEntries(teams().map((t) => [t.key, t.name]));
  return to.map((key) => names[key] || key).join(", ");
}

function whenText(inject) {
  if (inject.at !== undefined && inject.at !== null && inject.at !== "") {
    const seconds = parseTime(inject.at);
    return seconds === null ? String(inject.at) : clock(seconds);
  }
  if (inject.when_overdue) return t("when {step} overdue", { step: inject.when_overdue.step });
  return "reserve";
}

function renderInjects(ed) {
  $("inject-rows").replaceChildren(...injects().map((inject, i) => el("tr", { dataset: { inject: inject.id ?? "" } },
    el("td", { class: "mono", dataset: { path: `injects[${i}].at` } }, whenText(inject)),
    el("td", { class: "mono", dataset: { path: `injects[${i}].id` } }, inject.id ?? ""),
    el("td", { dataset: { path: `injects[${i}].to` } }, toText(inject.to)),
    el("td", { dataset: { path: `injects[${i}].title` } }, inject.title ?? ""),
    el("td", { class: "small" }, (inject.expects ?? []).map((x) => `${x.step} ${x.within ?? ""}`).join("; ")),
    el("td", { class: "ed-row-actions" },
      el("button", { type: "button", class: "btn btn-small", dataset: { action: "edit" }, onclick: () => openDialog(i) },
        ed.page.can_edit ? t("Edit") : t("Open")),
      ed.page.can_edit ? [
        el("button", { type: "button", class: "btn btn-small btn-quiet", dataset: { action: "duplicate" },
          "aria-label": t("Duplicate {id}", { id: inject.id }), onclick: () => duplicate(i) }, "⧉"),
        el("button", { type: "button", class: "btn btn-small btn-quiet", dataset: { action: "up" },
          "aria-label": t("Move {id} up", { id: inject.id }), onclick: () => ed.change((d) => move(d.injects, i, -1)) }, "↑"),
        el("button", { type: "button", class: "btn btn-small btn-quiet", dataset: { action: "down" },
          "aria-label": t("Move {id} down", { id: inject.id }), onclick: () => ed.change((d) => move(d.injects, i, 1)) }, "↓"),
        el("button", { type: "button", class: "btn btn-small btn-danger", dataset: { action: "delete" },
          "aria-label": t("Delete {id}", { id: inject.id }), onclick: () => remove(i) }, "✕"),
      ] : null))));
  $("inject-count").textContent = `(${injects().length})`;
  renderTimeline(ed);
}

function nextId(prefix = "I-") {
  const used = new Set(injects().map((inject) => inject.id));
  for (let n = injects().length + 1; ; n += 1) {
    const id = `${prefix}${String(n).padStart(2, "0")}`;
    if (!used.has(id)) return id;
  }
}

function duplicate(index) {
  const copy = JSON.parse(JSON.stringify(injects()[index]));
  copy.id = nextId();
  editor.change((d) => d.injects.splice(index + 1, 0, copy));
  editor.toast(t("Duplicated as {id}.", { id: copy.id }));
}

function remove(index) {
  const id = injects()[index].id;
  editor.change((d) => d.injects.splice(index, 1));
  editor.toast(t("Deleted inject {id}.", { id }));
}

function addInject() {
  const last = injects().map((i) => parseTime(i.at)).filter((s) => s !== null);
  const at = last.length ? Math.max(...last) + 300 : 60;
  const inject = { id: nextId(), at: formatUnits(at), to: "all", channel: "radio", title: "" };
  editor.change((d) => { if (!Array.isArray(d.injects)) d.injects = []; d.injects.push(inject); });
  openDialog(injects().length - 1);
}

// -- injects: the timeline, one lane per team ------------------------------------------------

function duration() {
  const given = parseTime(editor.doc.duration);
  const latest = Math.max(0, ...injects().map((i) => parseTime(i.at) ?? 0));
  return Math.max(given ?? 0, latest + 300, 600);
}

function lanesOf(inject) {
  if (inject.to === "all") return ["all"];
  return Array.isArray(inject.to) ? inject.to : [];
}

function renderTimeline(ed) {
  const total = duration();
  const lanes = [{ key: "all", name: t("All teams") }, ...teams().map((t) => ({ key: t.key, name: t.name || t.key }))];
  const tick = total > 4 * 3600 ? 1800 : total > 2 * 3600 ? 900 : total > 3600 ? 600 : 300;
  const ruler = el("div", { class: "tl-ruler", "aria-hidden": "true" });
  for (let s = 0; s <= total; s += tick) {
    const mark = el("span", { class: "tl-tick" }, clock(s).replace(/:00$/, ""));
    mark.style.left = `${(s / total) * 100}%`;  // through the CSSOM: the policy refuses style attributes
    ruler.append(mark);
  }
  const laneNodes = lanes.map((lane) => el("div", { class: "lane", dataset: { lane: lane.key }, role: "group",
    "aria-label": t("Injects to {name}", { name: lane.name }) },
  el("div", { class: "lane-name" }, lane.name),
  el("div", { class: "lane-track" }, ...injects().map((inject, index) => ({ inject, index }))
    .filter(({ inject }) => lanesOf(inject).includes(lane.key) && parseTime(inject.at) !== null)
    .map(({ inject, index }) => block(ed, inject, index, lane.key, total)))));
  $("timeline").replaceChildren(ruler, ...laneNodes);
  stackBlocks();
  const untimed = injects().map((inject, index) => ({ inject, index }))
    .filter(({ inject }) => parseTime(inject.at) === null);
  $("tl-untimed").replaceChildren(...untimed.map(({ inject, index }) => el("button", {
    type: "button", class: `tl-inject tl-untimed-item type-${inject.type ?? "information"}`,
    dataset: { inject: inject.id ?? "", index: String(index) }, onclick: () => openDialog(index) },
  el("span", { class: "mono" }, inject.id), " ", inject.title || t("(no title)"),
  el("span", { class: "muted small" }, ` · ${t("{when} · to {teams}", { when: whenText(inject), teams: toText(inject.to) })}`))));
  $("tl-untimed-title").hidden = untimed.length === 0;
}

/** Blocks of one lane that would overlap go on rows below each other; the lane grows to hold them. */
function stackBlocks() {
  for (const track of document.querySelectorAll("#timeline .lane-track")) {
    const rows = [];  // the right edge of the last block on each row
    const blocks = [...track.children].sort((a, b) => a.offsetLeft - b.offsetLeft);
    for (const node of blocks) {
      let row = rows.findIndex((right) => node.offsetLeft > right + 4);
      if (row === -1) { rows.push(0); row = rows.length - 1; }
      rows[row] = node.offsetLeft + node.offsetWidth;
      node.style.top = `${6 + row * 50}px`;
    }
    track.style.minHeight = `${Math.max(56, 12 + rows.length * 50)}px`;
  }
}

function block(ed, inject, index, lane, total) {
  const at = parseTime(inject.at);
  const node = el("div", {
    class: `tl-inject type-${inject.type ?? "information"}`, tabindex: "0", role: "button",
    dataset: { inject: inject.id ?? "", index: String(index), at: String(at), lane },
    title: t("{inject} at {time}: {title}", { inject: inject.id, time: clock(at), title: inject.title }),
  }, el("span", { class: "tl-time mono" }, clock(at).replace(/^0:/, "")), " ", el("span", { class: "tl-label" },
    `${inject.id} ${inject.title ?? ""}`),
  // its visible text is its name; the rest for screen readers only (axe: label-content-name-mismatch)
  el("span", { class: "sr-only" }, t(", to {value}. Arrows move it; Enter opens it.", { value: toText(inject.to) })));
  node.style.left = `${(at / total) * 100}%`;
  if (ed.page.can_edit) {
    node.addEventListener("pointerdown", (event) => startDrag(event, node, index, lane, total));
    node.addEventListener("keydown", (event) => keyMove(event, index, lane));
  }
  node.addEventListener("dblclick", () => openDialog(index));
  return node;
}

function startDrag(event, node, index, lane, total) {
  if (event.button !== 0) return;
  event.preventDefault();
  const track = node.parentElement;
  const width = track.getBoundingClientRect().width;
  const startX = event.clientX;
  const startAt = Number(node.dataset.at);
  let moved = false;
  let target = lane;
  let at = startAt;
  node.setPointerCapture(event.pointerId);
  node.classList.add("dragging");
  const onMove = (e) => {
    const dx = e.clientX - startX;
    if (Math.abs(dx) > 3 || Math.abs(e.clientY - event.clientY) > 3) moved = true;
    at = Math.min(total, Math.max(0, Math.round((startAt + (dx / width) * total) / SNAP_S) * SNAP_S));
    node.style.left = `${(at / total) * 100}%`;
    node.querySelector(".tl-time").textContent = clock(at).replace(/^0:/, "");
    const laneNode = [...document.querySelectorAll("#timeline .lane")].find((l) => {
      const rect = l.getBoundingClientRect();
      return e.clientY >= rect.top && e.clientY < rect.bottom;
    });
    document.querySelectorAll("#timeline .lane.drop-target").forEach((l) => l.classList.remove("drop-target"));
    if (laneNode) {
      target = laneNode.dataset.lane;
      if (target !== lane) laneNode.classList.add("drop-target");
    }
  };
  const onUp = () => {
    node.removeEventListener("pointermove", onMove);
    node.removeEventListener("pointerup", onUp);
    node.removeEventListener("pointercancel", onUp);
    node.classList.remove("dragging");
    document.querySelectorAll("#timeline .lane.drop-target").forEach((l) => l.classList.remove("drop-target"));
    if (!moved) { openDialog(index); return; }
    retime(index, at, lane, target);
  };
  node.addEventListener("pointermove", onMove);
  node.addEventListener("pointerup", onUp);
  node.addEventListener("pointercancel", onUp);
}

function keyMove(event, index, lane) {
  const inject = injects()[index];
  const at = parseTime(inject.at);
  const lanes = ["all", ...teams().map((t) => t.key)];
  const step = event.shiftKey ? 300 : SNAP_S;
  let target = lane;
  let when = at;
  if (event.key === "ArrowLeft") when = Math.max(0, at - step);
  else if (event.key === "ArrowRight") when = Math.min(duration(), at + step);
  else if (event.key === "ArrowUp") target = lanes[Math.max(0, lanes.indexOf(lane) - 1)];
  else if (event.key === "ArrowDown") target = lanes[Math.min(lanes.length - 1, lanes.indexOf(lane) + 1)];
  else if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openDialog(index); return; }
  else return;
  event.preventDefault();
  retime(index, when, lane, target);
  const id = inject.id;
  requestAnimationFrame(() => document.querySelector(
    `#timeline .lane[data-lane="${CSS.escape(target)}"] .tl-inject[data-inject="${CSS.escape(id)}"]`)?.focus());
}

/** Move inject `index` to `at` seconds, and from lane `from` to lane `to` (readdressing it). */
function retime(index, at, from, to) {
  const inject = injects()[index];
  const sameTime = parseTime(inject.at) === at;
  if (sameTime && from === to) return;
  editor.change((d) => {
    const target = d.injects[index];
    target.at = formatUnits(at);
    if (from !== to) target.to = readdress(target.to, from, to);
  });
  const where = from !== to ? t(", now to {value}", { value: toText(injects()[index].to) }) : "";
  editor.toast(`${inject.id} at ${clock(at)}${where}.`);
}

function readdress(to, from, target) {
  if (target === "all") return "all";
  if (to === "all" || !Array.isArray(to)) return [target];
  return [...new Set(to.map((key) => (key === from ? target : key)))];
}

// -- the inject dialog --------------------------------------------------------------------------

const preview = debounce(async () => {
  try {
    const { html } = await api("POST", "/library/preview", { body: $("i-body").value });
    $("i-preview").innerHTML = html;  // rendered by the server with raw HTML off
  } catch (err) {
    $("i-preview").textContent = t("No preview: {value}", { value: describe(err) });
  }
}, 300);

function openDialog(index) {
  view.dialogIndex = index;
  renderDialog(index);
  const dialog = $("inject-dialog");
  if (!dialog.open) dialog.showModal();
  $("i-title").focus();
}

function agenciesOf(to) {
  const keys = to === "all" ? teams().map((t) => t.key) : Array.isArray(to) ? to : [];
  return new Set(teams().filter((t) => keys.includes(t.key)).map((t) => t.agency));
}

function stepOptions(to, current) {
  const reached = agenciesOf(to);
  const fit = steps().filter((s) => s.agencies.some((a) => reached.has(a)));
  const options = fit.map((s) => [s.id, `${s.id} · ${s.text}`]);
  if (current && !fit.some((s) => s.id === current)) options.push([current, t("{current} (not for these teams)", { current })]);
  return options;
}

function renderDialog(index) {
  const inject = injects()[index];
  if (!inject) return;
  const p = `injects[${index}]`;
  const form = $("inject-form");
  form.dataset.index = String(index);
  $("inject-dialog-title").textContent = t("Inject {value}", { value: inject.id ?? "" });
  const bind = (id, path, value) => {
    const input = $(id);
    input.dataset.path = `${p}.${path}`;
    if (input.type === "checkbox") input.checked = Boolean(value);
    else input.value = value ?? "";
    input.disabled = !editor.page.can_edit;
  };
  bind("i-id", "id", inject.id);
  bind("i-at", "at", inject.at);
  bind("i-from", "from", inject.from);
  bind("i-title", "title", inject.title);
  bind("i-body", "body", inject.body);
  bind("i-notes", "notes", inject.notes);
  bind("i-requires-ack", "requires_ack", inject.requires_ack !== false);
  const channel = $("i-channel");
  channel.replaceChildren(...CHANNELS.map((c) => el("option", { value: c, selected: (inject.channel ?? "other") === c }, c)));
  bind("i-channel", "channel", inject.channel ?? "other");
  const type = $("i-type");
  type.replaceChildren(...TYPES.map((t) => el("option", { value: t, selected: (inject.type ?? "information") === t }, t)));
  bind("i-type", "type", inject.type ?? "information");
  // To: all, or some teams.
  $("i-to").dataset.path = `${p}.to`;
  $("i-to").replaceChildren(
    el("label", { class: "ed-check" }, el("input", { type: "checkbox", dataset: { to: "all" }, checked: inject.to === "all",
      disabled: !editor.page.can_edit }), t("All teams")),
    ...teams().map((team) => el("label", { class: "ed-check" }, el("input", { type: "checkbox", dataset: { to: team.key },
      checked: Array.isArray(inject.to) && inject.to.includes(team.key), disabled: !editor.page.can_edit }),
    team.name || team.key)));
  $("i-to").onchange = (event) => {
    const box = event.target;
    if (box.dataset.to === "all" && box.checked) {
      $("i-to").querySelectorAll("input[data-to]:not([data-to=all])").forEach((b) => { b.checked = false; });
    } else if (box.checked) {
      $("i-to").querySelector("input[data-to=all]").checked = false;
    }
    renderExpects(readDialog().to, readDialog().expects);
  };
  renderExpects(inject.to, inject.expects ?? []);
  // Objective and contingency.
  const objectives = Array.isArray(editor.doc.objectives) ? editor.doc.objectives : [];
  $("i-objective").replaceChildren(el("option", { value: "" }, t("(none)")),
    ...objectives.map((o) => el("option", { value: o.id, selected: inject.objective === o.id }, `${o.id} · ${o.text ?? ""}`)));
  if (inject.objective && !objectives.some((o) => o.id === inject.objective)) {
    $("i-objective").append(el("option", { value: inject.objective, selected: true }, t("{value} (unknown)", { value: inject.objective })));
  }
  bind("i-objective", "objective", inject.objective);
  const overdue = inject.when_overdue ?? {};
  $("i-overdue-step").replaceChildren(el("option", { value: "" }, t("(not a contingency)")),
    ...stepOptions(inject.to, overdue.step).map(([id, text]) => el("option", { value: id, selected: overdue.step === id }, text)));
  bind("i-overdue-step", "when_overdue.step", overdue.step);
  bind("i-overdue-mode", "when_overdue.mode", overdue.mode ?? "prompt");
  $("i-body").oninput = () => preview();
  preview.now();
  editor.markProblems();
}

function renderExpects(to, expects) {
  const index = Number($("inject-form").dataset.index);
  $("i-expects").replaceChildren(...expects.map((expect, k) => {
    const select = el("select", { class: "x-step", dataset: { path: `injects[${index}].expects[${k}].step` },
      "aria-label": t("Expected step {value}", { value: k + 1 }), disabled: !editor.page.can_edit },
    el("option", { value: "" }, t("(choose a step)")),
    ...stepOptions(to, expect.step).map(([id, text]) => el("option", { value: id, selected: expect.step === id }, text)));
    const within = el("input", { type: "text", class: "x-within", placeholder: "10m", "aria-label": t("Within, step {value}", { value: k + 1 }),
      dataset: { path: `injects[${index}].expects[${k}].within` }, disabled: !editor.page.can_edit });
    within.value = expect.within ?? "";
    return el("div", { class: "expect-row" }, select, el("span", { class: "muted" }, "within"), within,
      el("button", { type: "button", class: "btn btn-small btn-quiet x-remove", "aria-label": t("Remove expected step {value}", { value: k + 1 }),
        disabled: !editor.page.can_edit, onclick: (e) => { e.target.closest(".expect-row").remove(); } }, "✕"));
  }));
}

/** The inject as the dialog has it. */
function readDialog() {
  const index = Number($("inject-form").dataset.index);
  const inject = JSON.parse(JSON.stringify(injects()[index]));
  const text = (id) => $(id).value.trim();
  inject.id = text("i-id");
  setOptional(inject, "at", text("i-at"));
  setOptional(inject, "from", text("i-from"));
  const boxes = [...$("i-to").querySelectorAll("input[data-to]:checked")].map((b) => b.dataset.to);
  inject.to = boxes.includes("all") ? "all" : boxes;
  // A default left out stays left out: the content file keeps its own shape.
  const original = injects()[index];
  setOptional(inject, "channel", $("i-channel").value === "other" && !("channel" in original) ? "" : $("i-channel").value);
  setOptional(inject, "type", $("i-type").value === "information" && !("type" in original) ? "" : $("i-type").value);
  inject.title = $("i-title").value;
  setOptional(inject, "body", $("i-body").value);
  setOptional(inject, "notes", $("i-notes").value);
  const expects = [...$("i-expects").querySelectorAll(".expect-row")].map((row) => ({
    step: row.querySelector(".x-step").value, within: row.querySelector(".x-within").value.trim() }));
  setOptional(inject, "expects", expects.length ? expects : "");
  setOptional(inject, "objective", $("i-objective").value);
  if (!$("i-requires-ack").checked) inject.requires_ack = false;
  else if (original.requires_ack !== true) delete inject.requires_ack;
  const overdueStep = $("i-overdue-step").value;
  if (overdueStep) inject.when_overdue = { step: overdueStep, mode: $("i-overdue-mode").value };
  else delete inject.when_overdue;
  return inject;
}

function applyDialog() {
  const index = Number($("inject-form").dataset.index);
  const inject = readDialog();
  if (JSON.stringify(inject) !== JSON.stringify(injects()[index])) {
    editor.change((d) => { d.injects[index] = inject; });
  }
  $("inject-dialog").close();
  view.dialogIndex = null;
}

function reveal(path) {
  const match = /^injects\[(\d+)\]\./.exec(path);
  if (match) {
    openDialog(Number(match[1]));
    return;
  }
  if (/^(teams|objectives|sources)/.test(path)) $("sec-teams").open = true;
}

// -- wiring -------------------------------------------------------------------------------------

$("btn-add-inject").addEventListener("click", addInject);
$("btn-add-team").addEventListener("click", () => editor.change((d) => {
  if (!Array.isArray(d.teams)) d.teams = [];
  const agency = agencies().find((a) => !d.teams.some((t) => t.agency === a.key)) ?? agencies()[0];
  d.teams.push({ key: agency?.key ?? "", name: agency?.name ?? "", agency: agency?.key ?? "" });
}));
$("btn-add-objective").addEventListener("click", () => editor.change((d) => {
  if (!Array.isArray(d.objectives)) d.objectives = [];
  d.objectives.push({ id: `OBJ-${d.objectives.length + 1}`, text: "" });
}));
$("btn-add-source").addEventListener("click", () => editor.change((d) => {
  if (!Array.isArray(d.sources)) d.sources = [];
  d.sources.push({ id: `source-${d.sources.length + 1}`, title: "" });
}));
$("i-add-expect").addEventListener("click", () => {
  const current = readDialog();
  renderExpects(current.to, [...(current.expects ?? []), { step: "", within: "10m" }]);
});
$("i-apply").addEventListener("click", applyDialog);
$("i-cancel").addEventListener("click", () => { $("inject-dialog").close(); view.dialogIndex = null; });
$("inject-form").addEventListener("submit", (event) => { event.preventDefault(); applyDialog(); });
for (const [button, mode] of [["view-table", "table"], ["view-timeline", "timeline"]]) {
  $(button).addEventListener("click", () => {
    view.mode = mode;
    $("inject-table-wrap").hidden = mode !== "table";
    $("timeline-wrap").hidden = mode !== "timeline";
    $("view-table").setAttribute("aria-pressed", String(mode === "table"));
    $("view-timeline").setAttribute("aria-pressed", String(mode === "timeline"));
  });
}
$("capabilities").replaceChildren(...CAPABILITIES.map((c) => el("option", { value: c })));
if (!page.can_edit) document.querySelectorAll(".edit-only").forEach((node) => { node.hidden = true; });

startSiteEditor(editor);
wireBackground();
editor.load();
