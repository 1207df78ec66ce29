// The evaluator view: every team's timeline side by side, quick timed observations, P/S/M/U
// ratings with the consensus, and the improvement plan; all live.
//
// Timelines come from the staff event log (replayed at connect, then live); observations, ratings
// and corrective actions from the evaluation API, refreshed by their staff-only events.
//
// Stable hooks for browser tests:
//   #clock, #conn, tabs [data-tab="timelines"|"observations"|"ratings"|"plan"]
//   #timelines > .timeline[data-team="fire"] > li[data-kind="inject"|"ack"|"action"|"step"][data-status]
//   #team-toggle input[data-team]
//   #obs-form (#obs-text, #obs-at, #obs-team, #obs-objective, input[name=obs-tag], #obs-submit), #obs-error
//   #obs-list > li[data-observation="ID"] with .time
//   #ratings > [data-objective="OBJ-1"]: input[name="mine-OBJ-1"][value=P|S|M|U], textarea.rationale,
//     button[data-action="save-mine"], .everyone li, consensus: [data-action="save-consensus"]
//   #lead-form (#lead-select), #ip-rows > form[data-action-id], #ip-new > form (fields [name=...]),
//     .field-error[data-field]
import { Live } from "./live.js";
import { api, describe } from "./api.js";
import { clockTime, el, STATUS_WORDS } from "./format.js";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("evaluator-data").textContent);
const base = `/exercises/${page.exercise_id}`;
const teamsByKey = new Map(page.teams.map((t) => [t.key, t]));
const objectivesById = new Map(page.objectives.map((o) => [o.id, o]));
const RATING_LABELS = Object.fromEntries(page.definitions.map((d) => [d.code, d.label]));
const CLOCK_WORDS = { draft: "Not started", running: "Running", paused: "PAUSED", ended: "Ended" };
const STATUS_WORDS_IP = { open: "Open", "in-progress": "In progress", completed: "Completed", cancelled: "Cancelled" };
const TAG_WORDS = { strength: "Strength", improvement: "Area for improvement" };

const view = {
  status: "draft",
  injects: new Map(),       // inject id -> {title, ...} from the staff snapshot
  timeline: new Map(),      // team key -> [{seq, t, kind, ...}]
  shownTeams: [],
  observations: new Map(),  // id -> observation
  ratings: null,
  actions: new Map(),       // corrective action id -> row
};
for (const t of page.teams) view.timeline.set(t.key, []);

// -- helpers ---------------------------------------------------------------------------------

/** "1:02:03", "2:03", "75" (seconds) or "12m" -> seconds; null when it cannot be read. */
function parseClock(text) {
  const s = text.trim();
  if (!s) return null;
  let m = s.match(/^(\d+):(\d{1,2})(?::(\d{1,2}))?$/);
  if (m) return m[3] === undefined ? (+m[1]) * 60 + (+m[2]) : (+m[1]) * 3600 + (+m[2]) * 60 + (+m[3]);
  m = s.match(/^(\d+(?:\.\d+)?)\s*(s|m|h)?$/);
  if (m) return (+m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] || "s"]);
  return null;
}

function showAlert(text) {
  const alert = $("eval-alert");
  alert.textContent = text;
  alert.hidden = !text;
}

function teamName(key) { return teamsByKey.get(key)?.name || key; }

function objectiveOptions(select, empty) {
  select.replaceChildren(el("option", { value: "" }, empty),
    ...page.objectives.map((o) => el("option", { value: o.id }, `${o.id} · ${o.capability || o.text.slice(0, 60)}`)));
}

// -- live ------------------------------------------------------------------------------------

let replayed = false;
const live = new Live({ exerciseId: page.exercise_id, onState, onEvent, onConnection });

function onState(state) {
  const ex = state.exercise;
  view.status = ex.clock.status;
  view.injects = new Map(ex.injects.map((i) => [i.id, i]));
  if (!replayed) {
    replayed = true;
    live.replay().then(() => { renderTimelines(); });
  }
  renderClock();
}

function onEvent(ev, { replay = false } = {}) {
  const d = ev.data || {};
  if (ev.data?.clock) view.status = ev.data.clock.status;
  addToTimeline(ev);
  if (replay) return;
  switch (ev.type) {
    case "observation": case "observation.edited":
      if (d.observation) { view.observations.set(d.observation.id, d.observation); renderObservations(); }
      break;
    case "rating.set": case "rating.consensus": case "exercise.lead_evaluator":
      loadRatings();
      break;
    case "corrective_action.created": case "corrective_action.updated":
      if (d.corrective_action) mergeAction(d.corrective_action);
      break;
    default:
  }
  renderTimelines();
}

function onConnection(state, info) {
  const conn = $("conn");
  if (state === "online") { conn.textContent = "Live"; conn.className = "conn conn-online"; }
  else if (state === "error") {
    conn.textContent = "Not watching"; conn.className = "conn conn-offline";
    showAlert(`Cannot follow this exercise: ${info?.message || "error"}`);
  } else { conn.textContent = "Offline — reconnecting"; conn.className = "conn conn-offline"; }
}

function renderClock() {
  $("clock").textContent = clockTime(live.elapsed());
  const badge = $("clock-status");
  badge.textContent = CLOCK_WORDS[view.status] || view.status;
  badge.className = `badge status-${view.status}`;
}
setInterval(renderClock, 500);

// -- timelines -------------------------------------------------------------------------------

function addToTimeline(ev) {
  const d = ev.data || {};
  const push = (team, item) => {
    const list = view.timeline.get(team);
    if (list) list.push({ seq: ev.seq, t: ev.exercise_time_s, ...item });
  };
  switch (ev.type) {
    case "inject.released": {
      const to = d.to === "all" ? page.teams.map((t) => t.key) : [].concat(d.to || []);
      for (const team of to) push(team, { kind: "inject", id: d.id, title: d.title, from: d.from });
      break;
    }
    case "inject.acknowledged":
      if (d.first_for_team !== false) {
        push(d.team, { kind: "ack", id: d.inject_id, by: d.by, title: view.injects.get(d.inject_id)?.title });
      }
      break;
    case "action.logged": {
      const a = d.action || {};
      push(a.team || ev.team, { kind: "action", step: a.step, text: a.text, by: a.by });
      break;
    }
    case "step.status":
      push(d.team, { kind: "step", step: d.step, status: d.status });
      break;
    default:
  }
}

function timelineItem(item) {
  const time = el("span", { class: "time mono" }, clockTime(item.t));
  if (item.kind === "inject") {
    return el("li", { class: "tl tl-inject", dataset: { kind: "inject", inject: item.id } }, time,
      el("span", { class: "tl-what" }, el("strong", {}, `${item.id} `), item.title),
      item.from ? el("span", { class: "tl-sub" }, `from ${item.from}`) : null);
  }
  if (item.kind === "ack") {
    return el("li", { class: "tl tl-ack", dataset: { kind: "ack", inject: item.id } }, time,
      el("span", { class: "tl-what" }, `✓ Read ${item.id}`), item.by ? el("span", { class: "tl-sub" }, `by ${item.by}`) : null);
  }
  if (item.kind === "action") {
    const stepText = item.step ? page.steps[item.step] : null;
    return el("li", { class: `tl tl-action${item.step ? " tl-tick" : ""}`, dataset: { kind: "action", step: item.step || "" } },
      time,
      el("span", { class: "tl-what" }, item.step ? el("strong", {}, `☑ ${item.step} `) : el("strong", {}, "✎ "),
        item.text || stepText || ""),
      item.by ? el("span", { class: "tl-sub" }, `by ${item.by}`) : null);
  }
  const bad = item.status === "overdue" || item.status === "missed";
  return el("li", { class: `tl tl-step${bad ? " tl-bad" : ""}`, dataset: { kind: "step", status: item.status },
    title: page.steps[item.step] || "" }, time,
  el("span", { class: "tl-what" }, el("span", { class: `badge status-${item.status}` }, STATUS_WORDS[item.status] || item.status),
    ` ${item.step}`),
  page.steps[item.step] ? el("span", { class: "tl-sub tl-step-text" }, page.steps[item.step]) : null);
}

function maxColumns() {
  const w = $("timelines").clientWidth || window.innerWidth;
  return Math.max(1, Math.min(4, Math.floor(w / 190)));
}

function renderTeamToggle() {
  const max = maxColumns();
  if (!view.shownTeams.length) view.shownTeams = page.teams.slice(0, max).map((t) => t.key);
  view.shownTeams = view.shownTeams.slice(0, max);
  $("team-max").textContent = String(max);
  const box = $("team-toggle");
  box.querySelectorAll("label").forEach((n) => n.remove());
  for (const t of page.teams) {
    const shown = view.shownTeams.includes(t.key);
    const input = el("input", { type: "checkbox", dataset: { team: t.key }, checked: shown });
    input.addEventListener("change", () => {
      if (input.checked) {
        view.shownTeams.push(t.key);
        if (view.shownTeams.length > maxColumns()) view.shownTeams.shift();  // the oldest choice makes room
      } else view.shownTeams = view.shownTeams.filter((k) => k !== t.key);
      view.shownTeams.sort((a, b) => page.teams.findIndex((x) => x.key === a) - page.teams.findIndex((x) => x.key === b));
      renderTeamToggle();
      renderTimelines();
    });
    box.append(el("label", { class: `chip${shown ? " on" : ""}` }, input, t.name));
  }
}

function renderTimelines() {
  const cols = view.shownTeams.map((key) => {
    const items = [...view.timeline.get(key)].sort((a, b) => a.t - b.t || a.seq - b.seq);
    const overdue = items.filter((i) => i.kind === "step").reduce((m, i) => m.set(i.step, i.status), new Map());
    const open = [...overdue.values()].filter((s) => s === "overdue" || s === "missed").length;
    const list = el("ol", { class: "timeline-list", "aria-label": `Timeline of ${teamName(key)}` },
      items.length ? items.map(timelineItem) : el("li", { class: "empty small" }, "Nothing yet."));
    return el("section", { class: "timeline", dataset: { team: key } },
      el("h3", { class: "timeline-head" }, teamName(key),
        open ? el("span", { class: "count count-bad", title: "steps overdue or missed now" }, String(open)) : null),
      el("div", { class: "timeline-scroll" }, list));
  });
  const box = $("timelines");
  box.style.setProperty("--cols", String(Math.max(1, cols.length)));
  // A column scrolled to its end follows what comes in; one scrolled back stays where it is.
  const scrolls = new Map([...box.querySelectorAll(".timeline-scroll")].map((n) => [n.parentElement.dataset.team,
    n.scrollTop + n.clientHeight >= n.scrollHeight - 4 ? Infinity : n.scrollTop]));
  box.replaceChildren(...(cols.length ? cols : [el("p", { class: "muted" }, "Tick a team above to see its timeline.")]));
  for (const node of box.querySelectorAll(".timeline-scroll")) {
    const top = scrolls.get(node.parentElement.dataset.team);
    node.scrollTop = top === undefined || top === Infinity ? node.scrollHeight : top;
  }
}

window.addEventListener("resize", () => {
  // The observations tab exists on narrow screens only; wider, the list is beside the panes.
  if ($("eval").dataset.tab === "observations" && getComputedStyle($("tab-observations")).display === "none") selectTab("timelines");
  const max = maxColumns();
  if (view.shownTeams.length > max || String(max) !== $("team-max").textContent) { renderTeamToggle(); renderTimelines(); }
});

// -- tabs ------------------------------------------------------------------------------------

function selectTab(name) {
  $("eval").dataset.tab = name;
  document.querySelectorAll(".eval-tabs .tab").forEach((tab) => {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
  });
  for (const pane of ["timelines", "ratings", "plan"]) $(`pane-${pane}`).hidden = pane !== name;
  if (name === "timelines") { renderTeamToggle(); renderTimelines(); }
}
document.querySelectorAll(".eval-tabs .tab").forEach((tab) => tab.addEventListener("click", () => selectTab(tab.dataset.tab)));

// -- quick observation -----------------------------------------------------------------------

const obs = { stampedAt: null, edited: false };

function setupObservationForm() {
  $("obs-team").append(...page.teams.map((t) => el("option", { value: t.key }, t.name)));
  objectiveOptions($("obs-objective"), "No objective");
  $("obs-objective").addEventListener("change", showCapability);
  // On a tablet the form opens on the first tap and closes when saved (not on blur: no jumps under a finger).
  $("obs-form").addEventListener("focusin", () => $("obs-form").classList.add("open"));
  $("obs-text").addEventListener("input", () => {
    $("obs-form").classList.add("open");
    if (obs.stampedAt === null && $("obs-text").value.trim()) {
      obs.stampedAt = Math.floor(live.elapsed());
      if (!obs.edited) $("obs-at").value = clockTime(obs.stampedAt);
    }
    if (!$("obs-text").value.trim() && !obs.edited) { obs.stampedAt = null; $("obs-at").value = ""; }
  });
  $("obs-at").addEventListener("input", () => { obs.edited = $("obs-at").value.trim() !== ""; $("obs-at").removeAttribute("aria-invalid"); });
  $("obs-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("obs-form").requestSubmit(); }
  });
  $("obs-form").addEventListener("submit", (e) => { e.preventDefault(); submitObservation(); });
  $("obs-mine").addEventListener("change", renderObservations);
}

function showCapability() {
  const o = objectivesById.get($("obs-objective").value);
  $("obs-capability").textContent = o ? `Capability: ${o.capability || "—"}` : "";
}

function obsError(text, field) {
  $("obs-error").textContent = text;
  $("obs-error").hidden = !text;
  for (const id of ["obs-text", "obs-at"]) $(id).removeAttribute("aria-invalid");
  if (field) $(field).setAttribute("aria-invalid", "true");
}

async function submitObservation() {
  const text = $("obs-text").value.trim();
  if (!text) { obsError("Write what you observed first.", "obs-text"); $("obs-text").focus(); return; }
  const body = { text, team: $("obs-team").value || null, objective: $("obs-objective").value || null,
    tag: document.querySelector("input[name=obs-tag]:checked")?.value || null };
  const atText = $("obs-at").value;
  if (atText.trim()) {
    const at = parseClock(atText);
    if (at === null) { obsError("Write the time as h:mm:ss, for example 0:12:30.", "obs-at"); $("obs-at").focus(); return; }
    body.exercise_time_s = Math.min(at, Math.floor(live.elapsed()));
  }
  const button = $("obs-submit");
  button.disabled = true;
  try {
    const saved = await api("POST", `${base}/observations`, body);
    view.observations.set(saved.id, saved);
    renderObservations();
    obsError("");
    $("obs-text").value = "";
    $("obs-at").value = "";
    obs.stampedAt = null; obs.edited = false;
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

async function loadObservations() {
  try {
    const rows = await api("GET", `${base}/observations`);
    for (const o of rows) view.observations.set(o.id, o);
    renderObservations();
  } catch (err) { showAlert(`Could not load the observations: ${describe(err)}`); }
}

function renderObservations() {
  const mine = $("obs-mine").checked;
  const rows = [...view.observations.values()].filter((o) => !mine || o.evaluator === page.user)
    .sort((a, b) => b.exercise_time_s - a.exercise_time_s || b.id - a.id);  // newest first: what you just wrote is on top
  $("obs-count").textContent = String(view.observations.size);
  $("obs-empty").hidden = rows.length > 0;
  $("obs-list").replaceChildren(...rows.map((o) => {
    const own = o.evaluator === page.user;
    const objective = o.objective ? `${o.objective}${o.capability ? ` · ${o.capability}` : ""}` : (o.capability || null);
    const item = el("li", { class: `obs${o.tag ? ` obs-${o.tag}` : ""}${own ? " own" : ""}`, dataset: { observation: String(o.id) } },
      el("div", { class: "obs-head" },
        el("span", { class: "time mono" }, clockTime(o.exercise_time_s)),
        o.tag ? el("span", { class: `badge tag-${o.tag}` }, TAG_WORDS[o.tag]) : null,
        o.team ? el("span", { class: "badge" }, teamName(o.team)) : null,
        el("span", { class: "muted small obs-by" }, own ? "you" : (o.evaluator || "")),
        own ? el("button", { class: "btn btn-small btn-quiet", type: "button", "aria-label": `Edit observation at ${clockTime(o.exercise_time_s)}`,
          onclick: () => editObservation(item, o) }, "Edit") : null),
      el("p", { class: "obs-text" }, o.text),
      objective ? el("p", { class: "small muted obs-objective" }, objective) : null);
    return item;
  }));
}

function editObservation(item, o) {
  const textId = `obs-edit-text-${o.id}`, timeId = `obs-edit-at-${o.id}`;
  const error = el("p", { class: "field-error", role: "alert", hidden: true });
  const form = el("form", { class: "obs-edit form" },
    el("label", { for: textId, class: "sr-only" }, "Observation"),
    el("textarea", { id: textId, rows: "3", maxlength: "8000" }),
    el("label", { for: timeId, class: "small" }, "Exercise time (h:mm:ss)"),
    el("input", { id: timeId, type: "text", class: "mono", value: clockTime(o.exercise_time_s) }),
    error,
    el("div", { class: "row" },
      el("button", { class: "btn btn-small btn-quiet", type: "button", onclick: renderObservations }, "Cancel"),
      el("button", { class: "btn btn-small btn-primary", type: "submit" }, "Save")));
  form.querySelector("textarea").value = o.text;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { text: form.querySelector("textarea").value };
    const at = parseClock(form.querySelector("input").value);
    if (at === null) { error.textContent = "Write the time as h:mm:ss."; error.hidden = false; return; }
    if (Math.abs(at - o.exercise_time_s) >= 1) body.exercise_time_s = at;
    try {
      const saved = await api("PATCH", `${base}/observations/${o.id}`, body);
      view.observations.set(saved.id, saved);
      renderObservations();
    } catch (err) { error.textContent = describe(err); error.hidden = false; }
  });
  item.replaceChildren(form);
  form.querySelector("textarea").focus();
}

// -- ratings ---------------------------------------------------------------------------------

const ratingDrafts = new Map();  // "mine|OBJ-1" -> {rating, rationale}: unsaved input survives a live refresh

async function loadRatings() {
  try {
    view.ratings = await api("GET", `${base}/ratings`);
  } catch (err) {
    $("ratings").replaceChildren(el("p", { class: "field-error" }, `Could not load the ratings: ${describe(err)}`));
    return;
  }
  renderRatings();
}

function canConsensus() {
  return page.role === "admin" || (view.ratings?.lead_evaluator && view.ratings.lead_evaluator === page.user);
}

function ratingPicker(name, current, labelledBy, onPick) {
  const help = el("p", { class: "hint rating-help", "aria-live": "polite" });
  const showHelp = (code) => {
    const def = page.definitions.find((d) => d.code === code);
    help.textContent = def ? `${def.code} — ${def.label}: ${def.definition}` : "Pick a rating; its definition appears here.";
  };
  const group = el("div", { class: "rating-picker", role: "radiogroup", "aria-labelledby": labelledBy },
    page.definitions.map((d) => {
      const input = el("input", { type: "radio", name, value: d.code, checked: current === d.code });
      input.addEventListener("change", () => { showHelp(d.code); onPick(d.code); });
      return el("label", { class: `rating-option rating-${d.code}`, title: d.definition }, input,
        el("span", { class: "rating-code" }, d.code), el("span", { class: "rating-label" }, d.label));
    }));
  showHelp(current);
  return [group, help];
}

function ratingForm(objective, kind, existing) {
  const key = `${kind}|${objective.id}`;
  const draft = ratingDrafts.get(key) || { rating: existing?.rating || null, rationale: existing?.rationale || "" };
  const titleId = `${kind}-title-${objective.id}`;
  const rationaleId = `${kind}-rationale-${objective.id}`;
  const error = el("p", { class: "field-error", role: "alert", hidden: true });
  const textarea = el("textarea", { id: rationaleId, class: "rationale", rows: "2", maxlength: "8000",
    placeholder: "Why: what you saw that supports this rating" });
  textarea.value = draft.rationale;
  textarea.addEventListener("input", () => { draft.rationale = textarea.value; ratingDrafts.set(key, draft); });
  const [picker, help] = ratingPicker(`${kind}-${objective.id}`, draft.rating, titleId,
    (code) => { draft.rating = code; ratingDrafts.set(key, draft); });
  const consensus = kind === "consensus";
  const button = el("button", { class: "btn btn-primary", type: "submit", dataset: { action: consensus ? "save-consensus" : "save-mine" } },
    consensus ? "Set consensus" : (existing ? "Update my rating" : "Save my rating"));
  const form = el("form", { class: `rating-form rating-form-${kind}` },
    el("h4", { id: titleId }, consensus ? "Consensus rating" : "Your rating"),
    picker, help,
    el("label", { for: rationaleId }, "Rationale"), textarea, error,
    el("div", { class: "row" }, button));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!draft.rating) { error.textContent = "Pick P, S, M or U."; error.hidden = false; return; }
    if (!draft.rationale.trim()) { error.textContent = "Write a short rationale."; error.hidden = false; textarea.focus(); return; }
    button.disabled = true;
    try {
      await api("PUT", `${base}/ratings/${encodeURIComponent(objective.id)}`,
        { rating: draft.rating, rationale: draft.rationale, consensus });
      ratingDrafts.delete(key);
      await loadRatings();
    } catch (err) {
      error.textContent = describe(err); error.hidden = false;
      button.disabled = false;
    }
  });
  return form;
}

function renderRatings() {
  const r = view.ratings;
  if (!r) return;
  $("lead-line").textContent = r.lead_evaluator ? `Lead evaluator: ${r.lead_evaluator}` : "No lead evaluator named yet";
  if ($("lead-select") && document.activeElement !== $("lead-select")) $("lead-select").value = r.lead_evaluator || "";
  // Keep focus and unsaved input: remember where focus was, rebuild, restore.
  const focused = document.activeElement?.id;
  $("ratings").replaceChildren(...r.objectives.map((o) => {
    const mine = o.ratings.find((x) => x.evaluator === page.user);
    const others = o.ratings;
    const consensus = o.consensus;
    return el("article", { class: "objective-card", dataset: { objective: o.id } },
      el("h3", {}, el("span", { class: "mono" }, o.id), " ", o.capability ? el("span", { class: "muted" }, `· ${o.capability}`) : null),
      el("p", { class: "objective-text" }, o.text),
      el("div", { class: "rating-cols" },
        ratingForm(o, "mine", mine),
        el("div", { class: "rating-summary" },
          el("h4", {}, "Everyone's ratings"),
          others.length
            ? el("ul", { class: "everyone" }, others.map((x) => el("li", {},
              el("span", { class: `rating-chip rating-${x.rating}`, title: RATING_LABELS[x.rating] }, x.rating),
              el("strong", {}, ` ${x.evaluator === page.user ? "you" : x.evaluator}`),
              x.rationale ? el("span", { class: "small" }, ` — ${x.rationale}`) : null)))
            : el("p", { class: "muted small" }, "Nobody has rated this objective yet."),
          el("h4", {}, "Consensus"),
          consensus
            ? el("p", { class: "consensus-line" }, el("span", { class: `rating-chip rating-${consensus.rating}` }, consensus.rating),
              ` ${RATING_LABELS[consensus.rating]}`, el("span", { class: "small muted" }, consensus.set_by ? ` (set by ${consensus.set_by})` : ""),
              consensus.rationale ? el("span", { class: "small" }, ` — ${consensus.rationale}`) : null)
            : el("p", { class: "muted small" }, canConsensus() ? "Not set yet: set it below once the evaluators agree."
              : `Not set yet. ${r.lead_evaluator ? `The lead evaluator (${r.lead_evaluator})` : "The lead evaluator"} or an admin sets it.`),
          canConsensus() ? ratingForm(o, "consensus", consensus) : null)));
  }));
  if (focused && $(focused)) $(focused).focus();
}

function setupLeadForm() {
  const form = $("lead-form");
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    $("lead-error").hidden = true;
    try {
      await api("PUT", `${base}/lead-evaluator`, { username: $("lead-select").value || null });
      await loadRatings();
    } catch (err) { $("lead-error").textContent = describe(err); $("lead-error").hidden = false; }
  });
}

// -- improvement plan ------------------------------------------------------------------------

const IP_FIELDS = ["objective", "capability", "issue", "corrective_action", "capability_element", "responsible_org",
  "point_of_contact", "start_date", "completion_date", "status"];

async function loadActions() {
  try {
    const rows = await api("GET", `${base}/corrective-actions`);
    view.actions = new Map(rows.map((r) => [r.id, r]));
    renderActions();
  } catch (err) { $("ip-rows").replaceChildren(el("p", { class: "field-error" }, `Could not load the plan: ${describe(err)}`)); }
}

const dirtyRows = new Set();  // ids of rows with unsaved edits: a live update does not overwrite them

function mergeAction(row) {
  view.actions.set(row.id, row);
  if (!dirtyRows.has(row.id)) renderActions();
}

function ipField(prefix, name, label, control, wide = false) {
  control.id = `${prefix}-${name}`;
  control.name = name;
  return el("div", { class: `ip-field ip-${name}${wide ? " ip-wide" : ""}` },
    el("label", { for: control.id }, label), control,
    el("p", { class: "field-error", dataset: { field: name }, role: "alert", hidden: true }));
}

function select(options, value, empty) {
  const node = el("select", {}, empty !== undefined ? el("option", { value: "" }, empty) : null,
    options.map(([v, text]) => el("option", { value: v }, text)));
  node.value = value ?? "";
  return node;
}

function text(value, tag = "input") {
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
  const capability = text(r.capability);
  capability.setAttribute("list", listId);
  const objective = select(page.objectives.map((o) => [o.id, `${o.id} · ${o.capability || ""}`]), r.objective, "—");
  objective.addEventListener("change", () => {
    const o = objectivesById.get(objective.value);
    if (o?.capability && !capability.value.trim()) capability.value = o.capability;
  });
  const save = el("button", { class: "btn btn-primary", type: "submit" }, isNew ? "Add row" : "Save");
  const status = el("p", { class: "small muted ip-saved", role: "status" });
  const form = el("form", { class: `ip-row${isNew ? " ip-row-new" : ""}`, novalidate: true,
    dataset: isNew ? { new: "true" } : { actionId: String(r.id), status: r.status } },
  isNew ? null : el("div", { class: "ip-row-head" }, el("strong", {}, `#${r.id}`),
    el("span", { class: `badge ip-status-${r.status}` }, STATUS_WORDS_IP[r.status] || r.status)),
  el("datalist", { id: listId }, capabilities.map((c) => el("option", { value: c }))),
  el("div", { class: "ip-grid" },
    ipField(prefix, "objective", "Objective", objective),
    ipField(prefix, "capability", "Capability", capability),
    ipField(prefix, "issue", "Issue / area for improvement", text(r.issue, "textarea"), true),
    ipField(prefix, "corrective_action", "Corrective action", text(r.corrective_action, "textarea"), true),
    ipField(prefix, "capability_element", "Capability element",
      select(page.capability_elements.map((c) => [c, c]), r.capability_element, "Choose…")),
    ipField(prefix, "responsible_org", "Primary responsible organization", text(r.responsible_org)),
    ipField(prefix, "point_of_contact", "Organization point of contact", text(r.point_of_contact)),
    ipField(prefix, "start_date", "Start date", dateInput(r.start_date)),
    ipField(prefix, "completion_date", "Completion date", dateInput(r.completion_date)),
    ipField(prefix, "status", "Status", select(page.statuses.map((s) => [s, STATUS_WORDS_IP[s] || s]), r.status))),
  el("p", { class: "field-error ip-form-error", role: "alert", hidden: true }),
  el("div", { class: "row" }, status, save));
  if (!isNew) {
    save.disabled = true;
    form.addEventListener("input", () => { dirtyRows.add(r.id); save.disabled = false; status.textContent = "Unsaved changes"; });
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
      (name) => (name === "start_date" ? "the start date" : "the completion date"));
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
    view.actions.set(saved.id, saved);
    renderActions();
    if (!row) { $("ip-new").replaceChildren(ipForm(null)); }
    const node = document.querySelector(`#ip-rows form[data-action-id="${saved.id}"] .ip-saved`);
    if (node) node.textContent = row ? "Saved" : "Added";
  } catch (err) {
    showErrors(form, err);
  }
}

function renderActions() {
  const rows = [...view.actions.values()].sort((a, b) => a.id - b.id);
  const existing = new Map([...$("ip-rows").querySelectorAll("form[data-action-id]")].map((f) => [+f.dataset.actionId, f]));
  $("ip-rows").replaceChildren(...(rows.length
    ? rows.map((r) => (dirtyRows.has(r.id) && existing.get(r.id)) || ipForm(r))
    : [el("p", { class: "muted", id: "ip-empty" }, "No rows yet. Add the first area for improvement below.")]));
}

// -- start -----------------------------------------------------------------------------------

setupObservationForm();
setupLeadForm();
$("ip-new").replaceChildren(ipForm(null));
renderTeamToggle();
renderTimelines();
loadObservations();
loadRatings();
loadActions();
