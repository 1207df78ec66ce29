// The controller console: clock, inject timeline (MSEL), contingency prompts, compliance grid,
// team messages and the event feed, all live. Evaluators get the same page without controls.
//
// What the console shows comes from two sources: the staff `state` snapshot (exercise with its
// injects, compliance) and the event log. Live events update the snapshot; the feed, messages,
// contingency prompts and tablet counts are derived from the events kept in `view.events`.
//
// Stable hooks for browser tests (keep them when changing the markup):
//   #clock (h:mm:ss), #clock-status (words), #clock-panel[data-status=draft|running|paused|ended]
//   #btn-start, #btn-pause, #btn-resume, #btn-end (each confirms through #confirm-dialog except
//   pause/resume), #speed (select; change = PATCH speed), #confirm-dialog with #confirm-ok / #confirm-cancel
//   #msel, #msel-contingency, #msel-reserve: li[data-inject="I-01"][data-status=pending|held|released|skipped]
//     with buttons [data-action="release"|"hold"|"unhold"|"skip"|"retime"|"edit"] and
//     .ack[data-team="fire"][data-acked="true|false"] ticks
//   #retime-dialog (#retime-at), #edit-dialog (#edit-form), #btn-adhoc opens #adhoc-dialog (#adhoc-form:
//     #adhoc-inject-title, #adhoc-body, #adhoc-to input[data-to="all"|KEY], #adhoc-channel, #adhoc-hold)
//   #prompts > [data-prompt="C-01"] with buttons [data-action="release"|"dismiss"]
//   #grid td[data-team="fire"][data-step="FB-01"][data-status=pending|open|overdue|done|late|waived|missed],
//     #grid tr[data-team] td.score
//   #feed > li[data-seq][data-type], #messages > li[data-seq], #msg-form (#msg-to, #msg-text)
//   #team-chips button[data-team-code="fire"] opens #team-dialog (#team-dialog-code, #btn-rotate)
//   #conn (connection), #console-alert (errors)
import { Live } from "./live.js";
import { api, describe } from "./api.js";
import { clockTime, countdown, el, STATUS_WORDS } from "./format.js";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("console-data").textContent);
const canControl = page.can_control;
const base = `/exercises/${page.exercise_id}`;

const CHANNELS = { radio: "Radio", phone: "Phone", email: "E-mail", media: "Media", "field-report": "Field report",
  sensor: "Instrument", other: "Other" };
const CLOCK_WORDS = { draft: "NOT STARTED", running: "RUNNING", paused: "PAUSED", ended: "ENDED" };
const INJECT_WORDS = { pending: "Pending", held: "Held", released: "Released", skipped: "Skipped" };
const CELL_LETTERS = { pending: "·", open: "O", overdue: "!", missed: "M", done: "✓", late: "L", waived: "W" };
const LEGEND_WORDS = { done: "done", late: "late", open: "due", overdue: "overdue", missed: "missed", waived: "waived",
  pending: "not yet due" };
const PHASES = { arrival: "Arrival", protect: "Protect", rescue: "Rescue", measure: "Measure", inform: "Inform",
  recover: "Recover", other: "Other" };

const view = {
  exercise: null,
  status: "draft",
  teams: [],                 // [{key, name, agency, join_code}]
  injects: new Map(),        // inject id -> staff inject (with acknowledged {team: time})
  cells: new Map(),          // "team|step" -> compliance entry
  scores: new Map(),         // team key -> score (0..1) or null
  events: new Map(),         // seq -> event envelope: the feed, messages, prompts and tablets come from here
  readUpTo: 0,               // team messages up to this seq were seen
};

const live = new Live({ exerciseId: page.exercise_id, onState, onEvent, onConnection });
let replayed = false;

// -- server -> console -----------------------------------------------------------------------

function onState(state) {
  const ex = state.exercise;
  view.exercise = ex;
  view.status = ex.clock.status;
  view.teams = ex.teams;
  view.injects = new Map(ex.injects.map((i) => [i.id, i]));
  setCompliance(state.compliance);
  if (!replayed) {
    replayed = true;
    view.readUpTo = ex.last_seq;
    live.replay().then(() => invalidate("feed", "messages", "prompts", "teams"));
  }
  invalidate("all");
}

function setCompliance(compliance) {
  view.cells.clear();
  for (const team of compliance.teams) {
    view.scores.set(team.key, team.score);
    for (const entry of team.steps) view.cells.set(`${team.key}|${entry.step}`, entry);
  }
}

function onEvent(ev, { replay = false } = {}) {
  view.events.set(ev.seq, ev);
  if (replay) return;  // already part of the snapshot; kept for the feed and what derives from it
  const d = ev.data || {};
  switch (ev.type) {
    case "inject.released":
      mergeInject(d);
      break;
    case "inject.held": case "inject.unheld": case "inject.skipped": case "inject.retimed":
    case "inject.edited": case "inject.added": case "contingency.dismissed":
      if (d.inject) mergeInject(d.inject);
      break;
    case "inject.acknowledged": {
      const inject = view.injects.get(d.inject_id);
      if (inject) {
        inject.acknowledged = { ...(inject.acknowledged || {}) };
        if (inject.acknowledged[d.team] === undefined) inject.acknowledged[d.team] = ev.exercise_time_s;
      }
      break;
    }
    case "step.status":
      view.cells.set(`${d.team}|${d.step}`, { ...view.cells.get(`${d.team}|${d.step}`), ...d });
      if (d.team_score !== undefined) view.scores.set(d.team, d.team_score);
      invalidate("grid");
      break;
    case "team.code_rotated":
      refreshExercise();  // the event does not carry the new code
      break;
    case "message":
      if (d.to === "control") flashPanel("messages-panel");
      break;
    case "exercise.started":
      $("teams-strip").open = false;  // codes stay one click away; the timeline needs the room now
      view.status = d.clock.status;
      break;
    default:
      if (ev.type.startsWith("exercise.") && d.clock) view.status = d.clock.status;
  }
  invalidate("all");
}

function mergeInject(data) {
  const old = view.injects.get(data.id) || {};
  view.injects.set(data.id, { ...old, ...data, acknowledged: data.acknowledged || old.acknowledged || {} });
}

function onConnection(state, info) {
  const conn = $("conn");
  if (state === "online") {
    conn.textContent = "Live";
    conn.className = "conn conn-online";
  } else if (state === "error") {
    conn.textContent = "Not watching";
    conn.className = "conn conn-offline";
    showAlert(`Cannot follow this exercise: ${info?.message || "error"}`);
  } else {
    conn.textContent = "Offline — reconnecting";
    conn.className = "conn conn-offline";
  }
}

async function refreshExercise() {
  try {
    const ex = await api("GET", `/exercises/${page.exercise_id}`);
    view.teams = ex.teams;
    invalidate("teams");
  } catch (err) { /* the next state snapshot brings it */ }
}

// -- console -> server -------------------------------------------------------------------------

/** Call the API; errors go to the alert line. Returns the response or null. */
async function control(method, path, body, button) {
  if (button) button.disabled = true;
  try {
    return await api(method, path, body);
  } catch (err) {
    showAlert(describe(err));
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

async function clockAction(action, button) {
  const ex = await control("POST", `${base}/${action}`, undefined, button);
  if (ex) {
    live.setClock(ex.clock);
    view.status = ex.clock.status;
    invalidate("all");
  }
}

async function injectAction(action, id, button) {
  const inject = await control("POST", `${base}/injects/${encodeURIComponent(id)}/${action}`, undefined, button);
  if (inject) {
    mergeInject(inject);
    invalidate("all");
  }
}

// -- rendering ---------------------------------------------------------------------------------

const dirty = new Set();
let frame = 0;
function invalidate(...parts) {
  for (const part of parts) dirty.add(part);
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  const all = dirty.has("all");
  if (!view.exercise) return;
  if (all || dirty.has("controls")) renderControls();
  if (all || dirty.has("injects")) renderInjects();
  if (all || dirty.has("prompts")) renderPrompts();
  if (all || dirty.has("grid")) renderGrid();
  if (all || dirty.has("feed")) renderFeed();
  if (all || dirty.has("messages")) renderMessages();
  if (all || dirty.has("teams")) renderTeams();
  dirty.clear();
  tick();
}

const teamName = (key) => view.teams.find((t) => t.key === key)?.name || key;
/** Team keys an inject goes to, among this exercise's teams (a scenario may address a team left out). */
const isTeam = (key) => view.teams.some((t) => t.key === key);
const toTeams = (to) => (to === "all" ? view.teams.map((t) => t.key) : (to || []).filter(isTeam));
const toText = (to) => (to === "all" ? "all teams" : toTeams(to).map(teamName).join(", "));

function renderControls() {
  const status = view.status;
  document.title = `${status === "paused" ? "PAUSED · " : ""}${view.exercise.name} · Cordon`;
  $("console").dataset.status = status;
  $("clock-panel").dataset.status = status;
  if (canControl) {
    $("btn-start").hidden = status !== "draft";
    $("btn-pause").hidden = status !== "running";
    $("btn-resume").hidden = status !== "paused";
    $("btn-end").hidden = !["running", "paused"].includes(status);
    const speed = $("speed");
    const current = String(live.clock.speed);
    if (![...speed.options].some((o) => o.value === current)) {
      speed.append(el("option", { value: current }, `×${current}`));
    }
    if (document.activeElement !== speed) speed.value = current;
    speed.disabled = status === "ended";
    $("btn-adhoc").hidden = status === "ended";  // the server refuses both once ended
    $("msg-form").hidden = status === "ended";
  } else {
    $("speed-readout").textContent = `Speed ×${live.clock.speed}`;
  }
}

/** The clock line, every 250 ms: exercise time extrapolated between server updates. */
function tick() {
  const now = live.elapsed();
  setText($("clock"), clockTime(now));
  const status = view.status;
  setText($("clock-status"), CLOCK_WORDS[status] || status);  // a live region: announce changes only
  $("clock-status").className = `clock-status clock-${status}`;
  setText($("clock-detail"), clockDetail(status, now));
  for (const node of document.querySelectorAll("[data-countdown]")) {
    node.textContent = releaseCountdown(Number(node.dataset.countdown), now);
  }
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function clockDetail(status, now) {
  const who = canControl ? "you" : "the controller";
  if (status === "draft") return `Teams can join now. Nothing is sent until ${who} start${canControl ? "" : "s"}.`;
  if (status === "paused") return `Clock frozen: nothing is sent until ${who} resume${canControl ? "" : "s"}.`;
  if (status === "ended") return "The exercise is over; the checklist results are final.";
  const next = nextInject();
  const speed = live.clock.speed !== 1 ? ` · ×${live.clock.speed}` : "";
  return next ? `Next: ${next.id} ${countdown(next.at_s, now)}${speed}` : `No timed inject left${speed}`;
}

function releaseCountdown(atS, now) {
  if (view.status === "draft") return atS <= 0 ? "at start" : `${clockTime(atS)} after start`;
  const text = atS - now <= 0 ? "due now" : countdown(atS, now);
  return view.status === "paused" ? `${text} (paused)` : text;
}

function nextInject() {
  let next = null;
  for (const inject of view.injects.values()) {
    if (inject.status === "pending" && inject.at_s !== null && (!next || inject.at_s < next.at_s)) next = inject;
  }
  return next;
}

function section(inject) {
  if (inject.at_s !== null || inject.status === "released") return "msel";
  return inject.when_overdue ? "msel-contingency" : "msel-reserve";
}

function renderInjects() {
  const focused = document.activeElement?.closest?.("[data-inject]") ? {
    inject: document.activeElement.closest("[data-inject]").dataset.inject,
    action: document.activeElement.dataset.action,
  } : null;
  const groups = { msel: [], "msel-contingency": [], "msel-reserve": [] };
  for (const inject of view.injects.values()) groups[section(inject)].push(inject);
  const when = (i) => i.at_s ?? i.released_at_s ?? Infinity;
  groups.msel.sort((a, b) => when(a) - when(b));
  const next = nextInject();
  const proposed = new Set(prompts().map((p) => p.inject.id));
  for (const [id, injects] of Object.entries(groups)) {
    $(id).replaceChildren(...injects.map((i) => injectRow(i, i === next, proposed.has(i.id))));
  }
  $("contingency-title").hidden = groups["msel-contingency"].length === 0;
  $("reserve-title").hidden = groups["msel-reserve"].length === 0;
  const count = (s) => [...view.injects.values()].filter((i) => i.status === s).length;
  $("msel-summary").textContent = `${count("released")} released · ${count("pending")} pending`
    + (count("held") ? ` · ${count("held")} held` : "");
  if (focused) {
    const row = document.querySelector(`[data-inject="${CSS.escape(focused.inject)}"]`);
    (row?.querySelector(`[data-action="${focused.action}"]`) || row?.querySelector("button"))?.focus();
  }
  followNext(next);
}

/** Keep the next inject in sight as the exercise moves on, unless the controller is scrolling. */
let followed = null;
let userScrolledAt = 0;
function followNext(next) {
  const id = next?.id ?? null;
  if (id === followed || Date.now() - userScrolledAt < 20000) return;
  followed = id;
  const scroller = $("msel-scroll");
  const row = id ? scroller.querySelector(`[data-inject="${CSS.escape(id)}"]`) : null;
  const previous = row?.previousElementSibling;
  if (row) scroller.scrollTop = (previous || row).offsetTop - (previous ? 24 : 0);
}
for (const type of ["wheel", "touchmove", "keydown", "mousedown"]) {
  $("msel-scroll").addEventListener(type, () => { userScrolledAt = Date.now(); }, { passive: true });
}

function injectRow(inject, isNext, proposed) {
  const status = inject.status;
  const open = status === "pending" || status === "held";
  const retimed = inject.at_s !== null && inject.scheduled_at_s !== null && inject.scheduled_at_s !== undefined
    && inject.at_s !== inject.scheduled_at_s;
  let when;
  if (status === "released") when = el("span", { class: "when" }, `released ${clockTime(inject.released_at_s)}`);
  else if (status === "pending" && inject.at_s !== null) {
    when = el("span", { class: "when countdown", dataset: { countdown: String(inject.at_s) } },
      releaseCountdown(inject.at_s, live.elapsed()));
  } else if (status === "held" && inject.at_s !== null) {
    when = el("span", { class: "when" }, "will not be sent until un-held or released");
  }
  const slot = inject.at_s !== null ? clockTime(inject.at_s)
    : inject.when_overdue ? "if late" : status === "released" ? "by hand" : "reserve";
  return el("li", { class: `msel-row row-${status}${isNext ? " next" : ""}`, dataset: { inject: inject.id, status } },
    el("div", { class: "msel-time mono" },
      slot,
      retimed ? el("span", { class: "was", title: "Time in the scenario" }, `was ${clockTime(inject.scheduled_at_s)}`)
        : null),
    el("div", { class: "msel-main" },
      el("div", { class: "msel-line" },
        el("span", { class: "msel-id mono" }, inject.id),
        el("span", { class: `badge status-${proposed ? "overdue" : status}` }, injectWord(inject, proposed)),
        isNext ? el("span", { class: "badge badge-next" }, "Next") : null,
        inject.delayed ? el("span", { class: "badge badge-delayed",
          title: "Released late: the server was down or busy when it fell due" }, "Delayed") : null,
        inject.adhoc ? el("span", { class: "badge" }, "Ad hoc") : null,
        el("span", { class: "msel-title" }, inject.title)),
      el("div", { class: "msel-line msel-meta" },
        el("span", { class: "channel-name" }, CHANNELS[inject.channel] || inject.channel),
        ackTicks(inject),
        when,
        inject.when_overdue && open ? el("span", { class: "small muted" },
          `proposed when ${inject.when_overdue.step} is overdue`) : null),
      canControl && open && view.status !== "ended" ? injectButtons(inject) : null));
}

function injectWord(inject, proposed) {
  const open = inject.status === "pending" || inject.status === "held";
  if (open && proposed) return "Proposed";
  if (open && inject.at_s === null) return inject.when_overdue ? "Standby" : "In reserve";
  return INJECT_WORDS[inject.status] || inject.status;
}

function ackTicks(inject) {
  const released = inject.status === "released";
  const acks = inject.acknowledged || {};
  const keys = toTeams(inject.to);
  if (inject.to === "all" && keys.length > 4) {
    const n = keys.filter((k) => acks[k] !== undefined).length;
    const lines = keys.map((k) => `${teamName(k)}: ${k in acks ? `acknowledged ${clockTime(acks[k])}` : "not yet"}`);
    return el("span", { class: `ack ack-all${released && n === keys.length ? " acked" : ""}`, title: lines.join("\n") },
      released ? `All teams · ${n}/${keys.length} ✓` : "All teams");
  }
  if (!keys.length) return el("span", { class: "field-error" }, "no team of this exercise");
  return el("span", { class: "acks" }, keys.map((key) => {
    const acked = acks[key] !== undefined;
    const state = acked ? `acknowledged at ${clockTime(acks[key])}`
      : inject.requires_ack ? "not acknowledged yet" : "no acknowledgement asked";
    const label = released ? `${teamName(key)}: ${state}` : teamName(key);
    return el("span", { class: `ack${released ? (acked ? " acked" : " waiting") : ""}`, title: label,
      dataset: { team: key, acked: String(acked) } },
    el("span", { "aria-hidden": "true" }, released ? (acked ? "✓ " : "○ ") : ""), key,
    el("span", { class: "sr-only" }, ` (${label})`));
  }));
}

function injectButtons(inject) {
  const draft = view.status === "draft";
  const reserve = inject.at_s === null;
  const button = (action, text, extra = {}) => el("button", {
    type: "button", class: `btn btn-small ${extra.class || "btn-quiet"}`, dataset: { action },
    "aria-label": `${text} ${inject.id}`, title: extra.title, disabled: extra.disabled,
  }, text);
  return el("div", { class: "msel-actions" },
    button("release", "Release", { class: "btn-primary", disabled: draft,
      title: draft ? "Start the exercise first" : "Send it to the team(s) now" }),
    reserve ? null : inject.status === "held" ? button("unhold", "Un-hold", { title: "Back on the schedule" })
      : button("hold", "Hold", { title: "Keep the clock from sending it" }),
    button("retime", reserve ? "Schedule" : "Retime", { title: "Change its release time" }),
    button("edit", "Edit", { title: "Change title, text, recipients or channel" }),
    button("skip", "Skip", { class: "btn-danger", title: "Never send it" }));
}

function prompts() {
  const byInject = new Map();
  for (const ev of view.events.values()) {
    if (ev.type !== "contingency.prompt") continue;
    const inject = view.injects.get(ev.data.inject_id);
    if (inject && (inject.status === "pending" || inject.status === "held")) {
      byInject.set(inject.id, { ...ev.data, at: ev.exercise_time_s, inject });
    }
  }
  return [...byInject.values()];
}

let promptsShown = "";
function renderPrompts() {
  const list = prompts();
  const box = $("prompts");
  const key = list.map((p) => `${p.inject.id}|${p.inject.title}|${p.inject.to}`).join(",");
  if (key === promptsShown) return;  // an assertive live region: rebuild (and announce) only on change
  promptsShown = key;
  box.hidden = list.length === 0;
  box.replaceChildren(...list.map((p) => el("div", { class: "prompt", dataset: { prompt: p.inject.id } },
    el("div", { class: "prompt-text" },
      el("span", { class: "prompt-kicker" }, "Decision needed"),
      el("strong", {}, `${p.step} is overdue for ${teamName(p.team)}`),
      el("span", {}, ` (since ${clockTime(p.at)}). Proposed contingency inject `),
      el("span", { class: "mono" }, p.inject.id), " ",
      el("q", {}, p.inject.title), ` to ${toText(p.inject.to)}.`),
    canControl ? el("div", { class: "prompt-actions" },
      el("button", { type: "button", class: "btn btn-primary", dataset: { action: "release" } },
        `Release ${p.inject.id}`),
      el("button", { type: "button", class: "btn btn-quiet", dataset: { action: "dismiss" },
        "aria-label": `Dismiss ${p.inject.id}` }, "Dismiss"))
      : el("span", { class: "muted" }, "Waiting for the controller"))));
}

function gridSteps() {
  return page.steps.filter((s) => view.teams.some((t) => s.agencies.includes(t.agency)));
}

function renderGrid() {
  const steps = gridSteps();
  const phases = [];
  for (const step of steps) {
    if (phases.at(-1)?.phase !== step.phase) phases.push({ phase: step.phase, count: 0 });
    phases.at(-1).count += 1;
  }
  const starts = new Set();
  let i = 0;
  for (const p of phases) { starts.add(steps[i].id); i += p.count; }
  const head = el("thead", {},
    el("tr", { class: "phase-row" },
      el("th", { scope: "col", rowspan: "2", class: "team-col" }, "Team"),
      phases.map((p) => {
        const title = PHASES[p.phase] || p.phase;
        return el("th", { scope: "colgroup", colspan: String(p.count), class: "phase-start", title },
          p.count > 1 ? title : title.slice(0, 3));
      }),
      el("th", { scope: "col", rowspan: "2", class: "score-col" }, "Score")),
    el("tr", { class: "step-row" }, steps.map((s) => el("th", {
      scope: "col", class: `${starts.has(s.id) ? "phase-start" : ""}${s.critical ? " critical" : ""}`,
      title: `${s.id}${s.critical ? " (critical)" : ""}: ${s.text}`, dataset: { step: s.id },
    }, el("span", {}, s.id)))));
  const body = el("tbody", {}, view.teams.map((team) => el("tr", { dataset: { team: team.key } },
    el("th", { scope: "row", class: "team-col", title: `${team.name} (${team.agency})` }, team.name),
    steps.map((s) => gridCell(team, s, starts.has(s.id))),
    el("td", { class: "score mono" }, scoreText(view.scores.get(team.key))))));
  $("grid").replaceChildren(head, body);
  if (!$("grid-legend").childElementCount) {
    $("grid-legend").replaceChildren(...["done", "late", "open", "overdue", "missed", "waived", "pending"].map((s) =>
      el("span", { class: "legend-item" }, el("span", { class: `cell-swatch cell-${s}` }, CELL_LETTERS[s]),
        ` ${LEGEND_WORDS[s]}`)));
  }
}

function gridCell(team, step, phaseStart) {
  const cls = phaseStart ? "phase-start" : "";
  if (!step.agencies.includes(team.agency)) {
    return el("td", { class: `cell cell-na ${cls}` }, el("span", { class: "sr-only" }, "not this team's step"));
  }
  const entry = view.cells.get(`${team.key}|${step.id}`) || { status: "pending" };
  const text = cellText(team, step, entry);
  return el("td", {
    class: `cell cell-${entry.status} ${cls}`, title: text,
    dataset: { team: team.key, step: step.id, status: entry.status },
  }, el("span", { "aria-hidden": "true" }, CELL_LETTERS[entry.status] || "?", entry.out_of_order ? "*" : ""),
  el("span", { class: "sr-only" }, text));
}

function cellText(team, step, entry) {
  const parts = [`${step.id} · ${team.name}: ${STATUS_WORDS[entry.status] || entry.status}`];
  if (entry.out_of_order) parts.push("out of order");
  if (entry.due_at_s !== null && entry.due_at_s !== undefined) parts.push(`due ${clockTime(entry.due_at_s)}`);
  if (entry.done_at_s !== null && entry.done_at_s !== undefined) {
    parts.push(`done ${clockTime(entry.done_at_s)}${entry.done_by ? ` by ${entry.done_by}` : ""}`);
  }
  if (entry.waiver_reason) parts.push(`waived: ${entry.waiver_reason}`);
  return `${parts.join(" · ")}\n${step.text}`;
}

const scoreText = (score) => (score === null || score === undefined ? "—" : `${Math.round(score * 100)}%`);

function feedLine(ev) {
  const d = ev.data || {};
  const inj = d.inject || d;
  switch (ev.type) {
    case "exercise.created": return ["Exercise created", "info"];
    case "exercise.started": return [`Exercise started (speed ×${d.clock?.speed ?? 1})`, "clock"];
    case "exercise.paused": return ["Exercise PAUSED", "warn"];
    case "exercise.resumed": return ["Exercise resumed", "clock"];
    case "exercise.speed": return [`Speed ×${d.previous_speed ?? "?"} → ×${d.clock?.speed}`, "clock"];
    case "exercise.ended": return ["Exercise ended", "clock"];
    case "inject.released":
      return [`${inj.id} released to ${toText(inj.to)}: ${inj.title}${inj.delayed ? " (delayed)" : ""}`, "inject"];
    case "inject.held": return [`${inj.id} held`, "warn"];
    case "inject.unheld": return [`${inj.id} back on the schedule`, "info"];
    case "inject.skipped": return [`${inj.id} skipped`, "info"];
    case "inject.retimed": {
      const slot = (s) => (s === null || s === undefined ? "reserve" : clockTime(s));
      return [`${inj.id} moved from ${slot(d.previous_at_s)} to ${slot(inj.at_s)}`, "info"];
    }
    case "inject.edited": return [`${inj.id} edited (${(d.fields || []).join(", ")})`, "info"];
    case "inject.added": return [`Ad-hoc inject ${inj.id} added: ${inj.title}`, "info"];
    case "inject.acknowledged":
      return [`${teamName(d.team)} acknowledged ${d.inject_id}${d.by ? ` (${d.by})` : ""}`, "ack"];
    case "contingency.prompt": return [`${d.step} overdue for ${teamName(d.team)}: release ${d.inject_id}?`, "bad"];
    case "contingency.dismissed": return [`${inj.id} dismissed`, "info"];
    case "action.logged": {
      const a = d.action || {};
      const what = a.step ? `${a.step} done${a.text ? `: ${a.text}` : ""}` : a.text;
      return [`${teamName(a.team || ev.team)}${a.by ? ` (${a.by})` : ""}: ${what}`, "action"];
    }
    case "step.status":
      if (d.status === "overdue") return [`${d.step} overdue for ${teamName(d.team)}`, "bad"];
      if (d.status === "missed") return [`${d.step} missed by ${teamName(d.team)}`, "bad"];
      if (d.status === "late") return [`${d.step} done late by ${teamName(d.team)}`, "warn"];
      if (d.status === "open") {
        return [`${d.step} now due for ${teamName(d.team)} (by ${clockTime(d.due_at_s)})`, "quiet"];
      }
      return null;  // done: the action line already says so
    case "step.waived": return [`${d.step} waived for ${teamName(d.team)}: ${d.reason}`, "info"];
    case "message": return [d.to === "control" ? `${teamName(d.from?.team)} (${d.from?.name}) → control: ${d.text}`
      : `Control → ${d.to === "all" ? "all teams" : teamName(d.to)}: ${d.text}`, "message"];
    case "participant.joined": return [`${d.participant?.name} joined ${teamName(d.team)}`, "quiet"];
    case "team.code_rotated":
      return [`New join code for ${teamName(d.team)}; ${d.revoked_participants} tablet(s) signed out`, "warn"];
    case "observation": {
      const o = d.observation || {};
      return [`Observation${o.evaluator ? ` by ${o.evaluator}` : ""}: ${o.text ?? ""}`, "quiet"];
    }
    default: return [ev.type.replace(/[._]/g, " "), "quiet"];
  }
}

function renderFeed() {
  const events = [...view.events.values()].sort((a, b) => b.seq - a.seq);
  const items = [];
  for (const ev of events) {
    const line = feedLine(ev);
    if (!line) continue;
    items.push(el("li", { class: `feed-${line[1]}`, dataset: { seq: String(ev.seq), type: ev.type } },
      el("span", { class: "time mono" }, clockTime(ev.exercise_time_s)), " ", line[0]));
    if (items.length >= 400) break;
  }
  $("feed").replaceChildren(...items);
}

function renderMessages() {
  const list = [...view.events.values()].filter((ev) => ev.type === "message").sort((a, b) => b.seq - a.seq);
  $("messages-empty").hidden = list.length > 0;
  $("messages").replaceChildren(...list.map((ev) => {
    const m = ev.data;
    const fromTeam = m.to === "control";
    const unread = fromTeam && ev.seq > view.readUpTo;
    return el("li", { class: `msg ${fromTeam ? "from-team" : "from-control"}${unread ? " unread" : ""}`,
      dataset: { seq: String(ev.seq), team: fromTeam ? m.from.team : m.to } },
    el("div", { class: "msg-head" },
      el("span", { class: "time mono" }, clockTime(ev.exercise_time_s)),
      el("strong", {}, fromTeam ? `${teamName(m.from.team)} · ${m.from.name}`
        : `Control → ${m.to === "all" ? "all teams" : teamName(m.to)}`),
      fromTeam && canControl ? el("button", { type: "button", class: "btn btn-small btn-quiet",
        dataset: { action: "reply", team: m.from.team }, "aria-label": `Reply to ${teamName(m.from.team)}` }, "Reply")
        : null),
    el("p", {}, m.text));
  }));
  const unread = list.filter((ev) => ev.data.to === "control" && ev.seq > view.readUpTo).length;
  $("unread-count").hidden = unread === 0;
  $("unread-count").textContent = `${unread} new`;
}

function tablets(key) {
  let n = 0;
  for (const ev of view.events.values()) {
    if (ev.type === "participant.joined" && ev.data.team === key) n += 1;
    if (ev.type === "team.code_rotated" && ev.data.team === key) n -= ev.data.revoked_participants || 0;
  }
  return Math.max(0, n);
}

function renderTeams() {
  const total = view.teams.reduce((n, t) => n + tablets(t.key), 0);
  $("tablets-summary").textContent = `· ${total} tablet${total === 1 ? "" : "s"}`;
  $("team-chips").replaceChildren(...view.teams.map((team) => {
    const n = tablets(team.key);
    return el("button", { type: "button", class: "team-chip", dataset: { teamCode: team.key },
      title: `${team.name}: join code ${team.join_code}, ${n} tablet(s) joined. Click for the QR code.`,
      "aria-label": `${team.name}: join code ${team.join_code}, ${n} tablets joined. Show QR code` },
    el("img", { src: qrUrl(team), alt: "", width: "26", height: "26", class: "chip-qr" }),
    el("span", { class: "chip-team" }, team.name),
    el("span", { class: "chip-code mono" }, team.join_code),
    n ? el("span", { class: "chip-count", "aria-hidden": "true", title: `${n} tablet(s) joined` }, `✓${n}`) : null);
  }));
  const to = $("msg-to");
  if (to) {
    const value = to.value;
    to.replaceChildren(el("option", { value: "all" }, "All teams"),
      ...view.teams.map((t) => el("option", { value: t.key }, t.name)));
    to.value = [...to.options].some((o) => o.value === value) ? value : "all";
  }
  if ($("team-dialog").open) showTeam($("team-dialog").dataset.team);
}

// The code in the query string makes a new image after a rotation (the old one is not reused).
const qrUrl = (team) => `${base}/teams/${encodeURIComponent(team.key)}/qr.svg?code=${team.join_code}`;

// -- dialogs -----------------------------------------------------------------------------------

/** A modal yes/no question; resolves true when confirmed. */
function confirmDialog({ title, text, ok, danger = false }) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").replaceChildren(...[].concat(text).map((t) => (t instanceof Node ? t : el("p", {}, t))));
  $("confirm-ok").textContent = ok;
  $("confirm-ok").className = `btn ${danger ? "btn-danger btn-primary" : "btn-primary"}`;
  dialog.returnValue = "";
  dialog.showModal();
  $("confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

function showTeam(key) {
  const team = view.teams.find((t) => t.key === key);
  if (!team) return;
  const dialog = $("team-dialog");
  dialog.dataset.team = key;
  $("team-dialog-title").textContent = team.name;
  $("team-dialog-agency").textContent = `Agency: ${team.agency}`;
  $("team-dialog-code").textContent = team.join_code;
  $("team-dialog-url").textContent = `${page.join_base}${team.join_code}`;
  const qr = $("team-dialog-qr");
  qr.src = qrUrl(team);
  qr.alt = `QR code: join ${team.name}`;
  const n = tablets(key);
  $("team-dialog-joined").textContent = n ? `${n} tablet(s) joined with this code.` : "No tablet has joined yet.";
  if (!dialog.open) dialog.showModal();
}

async function rotateCode() {
  const key = $("team-dialog").dataset.team;
  const team = view.teams.find((t) => t.key === key);
  $("team-dialog").close();
  const ok = await confirmDialog({
    title: `New join code for ${team.name}?`,
    text: [`The old code ${team.join_code} stops working and tablets that joined with it are signed out.`,
      "Their users must join again with the new code (printed join sheets become outdated)."],
    ok: "Change the code", danger: true,
  });
  if (ok) {
    const result = await control("POST", `${base}/teams/${encodeURIComponent(key)}/rotate-code`);
    if (result) team.join_code = result.join_code;
    invalidate("teams");
  }
  showTeam(key);
}

function toPicker(fieldset, idPrefix, to) {
  const all = to === "all";
  const chosen = new Set(all ? [] : to || []);
  fieldset.replaceChildren(el("legend", {}, "To"),
    el("label", { class: "check" },
      el("input", { type: "checkbox", id: `${idPrefix}-all`, dataset: { to: "all" }, checked: all }), " All teams"),
    ...view.teams.map((t) => el("label", { class: "check" },
      el("input", { type: "checkbox", dataset: { to: t.key }, checked: chosen.has(t.key), disabled: all }),
      ` ${t.name}`)));
  const allBox = fieldset.querySelector('[data-to="all"]');
  allBox.addEventListener("change", () => {
    for (const box of fieldset.querySelectorAll('input:not([data-to="all"])')) box.disabled = allBox.checked;
  });
}

function pickedTo(fieldset) {
  if (fieldset.querySelector('[data-to="all"]').checked) return "all";
  return [...fieldset.querySelectorAll('input:not([data-to="all"]):checked')].map((b) => b.dataset.to);
}

function channelOptions(select, value) {
  select.replaceChildren(...Object.entries(CHANNELS).map(([k, label]) => el("option", { value: k }, label)));
  select.value = value || "other";
}

function formError(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text || "";
}

function openAdhoc() {
  $("adhoc-form").reset();
  formError("adhoc-error", "");
  toPicker($("adhoc-to"), "adhoc-to", "all");
  channelOptions($("adhoc-channel"), "radio");
  const draft = view.status === "draft";
  $("adhoc-hold").checked = draft;
  $("adhoc-hold").disabled = draft;
  adhocLabels();
  $("adhoc-dialog").showModal();
  $("adhoc-inject-title").focus();
}

function adhocLabels() {
  const hold = $("adhoc-hold").checked;
  $("adhoc-submit").textContent = hold ? "Add to reserve" : "Send now";
  $("adhoc-hint").textContent = view.status === "draft"
    ? "The exercise has not started: the inject waits in reserve; release it by hand once running."
    : hold ? "It appears under “Reserve — release by hand”." : "The team(s) get it on their tablets at once.";
}

async function submitAdhoc(e) {
  e.preventDefault();
  const title = $("adhoc-inject-title").value.trim();
  const to = pickedTo($("adhoc-to"));
  if (!title) return formError("adhoc-error", "Give the inject a title.");
  if (to !== "all" && !to.length) return formError("adhoc-error", "Choose at least one team, or all teams.");
  const inject = await control("POST", `${base}/injects`, {
    title, body: $("adhoc-body").value, to, channel: $("adhoc-channel").value, hold: $("adhoc-hold").checked,
  }, $("adhoc-submit"));
  if (inject) {
    mergeInject(inject);
    invalidate("all");
    $("adhoc-dialog").close();
  }
}

let retiming = null;
function openRetime(inject) {
  retiming = inject;
  formError("retime-error", "");
  const now = inject.at_s === null ? "in reserve (no time)" : `at ${clockTime(inject.at_s)}`;
  $("retime-what").textContent = `${inject.id} · ${inject.title} — now ${now}`;
  $("retime-at").value = inject.at_s === null ? "" : clockTime(inject.at_s);
  const from = Math.max(inject.at_s ?? 0, live.elapsed());
  const quick = [["+5 min", from + 300], ["+10 min", from + 600], ["+15 min", from + 900]];
  if (view.status !== "draft") quick.unshift(["In 1 min", live.elapsed() + 60]);
  $("retime-quick").replaceChildren(...quick.map(([label, s]) => el("button", {
    type: "button", class: "btn btn-small btn-quiet",
    onclick: () => { $("retime-at").value = clockTime(Math.round(s)); retimeHint(); },
  }, label)));
  retimeHint();
  $("retime-dialog").showModal();
  $("retime-at").select();
}

/** Seconds from what a controller types (as the server reads it), or null when unclear. */
function parseTime(text) {
  const t = text.trim().toLowerCase();
  let m = t.match(/^(\d+):(\d{1,2})(?::(\d{1,2}))?$/);
  if (m) {
    const [a, b, c] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
    return c === undefined ? a * 60 + b : a * 3600 + b * 60 + c;  // mm:ss or h:mm:ss
  }
  m = t.match(/^(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?$/);
  if (m && (m[1] || m[2] || m[3])) return Number(m[1] || 0) * 3600 + Number(m[2] || 0) * 60 + Number(m[3] || 0);
  return null;
}

function retimeHint() {
  const s = parseTime($("retime-at").value);
  const hint = $("retime-hint");
  if ($("retime-at").value.trim() === "") hint.textContent = "Write 25m, 1h10m, 0:25:00 or 25:00 (minutes:seconds).";
  else if (s === null) hint.textContent = "Not a time yet: write 25m, 1h10m or 0:25:00.";
  else if (view.status === "draft") hint.textContent = `= ${clockTime(s)} after the start.`;
  else if (s <= live.elapsed()) hint.textContent = `= ${clockTime(s)}, which has passed: it is released as soon as you save.`;
  else hint.textContent = `= ${clockTime(s)} exercise time (${countdown(s, live.elapsed())}).`;
}

async function submitRetime(e) {
  e.preventDefault();
  const value = $("retime-at").value.trim();
  if (!value) return formError("retime-error", "Write a time, e.g. 25m.");
  try {
    const inject = await api("PATCH", `${base}/injects/${encodeURIComponent(retiming.id)}`, { at: value });
    mergeInject(inject);
    invalidate("all");
    $("retime-dialog").close();
  } catch (err) {
    formError("retime-error", describe(err));
  }
}

let editing = null;
function openEdit(inject) {
  editing = inject;
  formError("edit-error", "");
  $("edit-title").textContent = `Edit ${inject.id}`;
  $("edit-inject-title").value = inject.title;
  $("edit-body").value = inject.body || "";
  toPicker($("edit-to"), "edit-to", inject.to);
  channelOptions($("edit-channel"), inject.channel);
  $("edit-dialog").showModal();
}

async function submitEdit(e) {
  e.preventDefault();
  const changes = {};
  const title = $("edit-inject-title").value.trim();
  if (!title) return formError("edit-error", "The title cannot be empty.");
  if (title !== editing.title) changes.title = title;
  if ($("edit-body").value !== (editing.body || "")) changes.body = $("edit-body").value;
  const to = pickedTo($("edit-to"));
  if (to !== "all" && !to.length) return formError("edit-error", "Choose at least one team, or all teams.");
  const sameTeams = (a, b) => a.length === b.length && a.every((k) => b.includes(k));
  const toChanged = to === "all" ? editing.to !== "all" : editing.to === "all" || !sameTeams(to, toTeams(editing.to));
  if (toChanged) changes.to = to;
  if ($("edit-channel").value !== editing.channel) changes.channel = $("edit-channel").value;
  if (!Object.keys(changes).length) return $("edit-dialog").close();
  try {
    const inject = await api("PATCH", `${base}/injects/${encodeURIComponent(editing.id)}`, changes);
    mergeInject(inject);
    invalidate("all");
    $("edit-dialog").close();
  } catch (err) {
    formError("edit-error", describe(err));
  }
}

// -- interaction -------------------------------------------------------------------------------

let alertTimer = 0;
function showAlert(text) {
  const bar = $("console-alert");
  bar.textContent = text;
  bar.hidden = false;
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => { bar.hidden = true; }, 8000);
}

function flashPanel(cls) {
  const panel = document.querySelector(`.${cls}`);
  panel?.classList.remove("flash-new");
  void panel?.offsetWidth;  // restart the animation
  panel?.classList.add("flash-new");
}

async function onInjectButton(e) {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  const id = button.closest("[data-inject], [data-prompt]")?.dataset;
  const inject = view.injects.get(id?.inject || id?.prompt);
  if (!inject) return;
  const action = button.dataset.action;
  if (action === "retime") return openRetime(inject);
  if (action === "edit") return openEdit(inject);
  if (action === "skip" && !await confirmDialog({
    title: `Skip ${inject.id}?`, text: [el("p", {}, el("q", {}, inject.title), ` to ${toText(inject.to)}`),
      "It will never be released in this exercise. This cannot be undone."], ok: `Skip ${inject.id}`, danger: true,
  })) return;
  if (action === "dismiss" && !await confirmDialog({
    title: `Dismiss ${inject.id}?`, text: [el("p", {}, el("q", {}, inject.title)),
      "The contingency inject is not sent (it is skipped). This cannot be undone."], ok: "Dismiss it", danger: true,
  })) return;
  await injectAction(action, inject.id, button);
}

if (canControl) {
  const name = page.name;
  $("btn-start").addEventListener("click", async (e) => {
    const first = [...view.injects.values()].filter((i) => i.status === "pending" && i.at_s === 0);
    const ok = await confirmDialog({
      title: "Start the exercise?",
      text: [el("p", {}, "Start ", el("strong", {}, name), ` at speed ×${live.clock.speed}.`),
        first.length
          ? `${first.map((i) => i.id).join(", ")} ${first.length > 1 ? "are" : "is"} sent to the teams at once.`
          : "The clock starts at 0:00:00 and injects go out at their times."],
      ok: "Start now",
    });
    if (ok) clockAction("start", e.currentTarget);
  });
  $("btn-pause").addEventListener("click", (e) => clockAction("pause", e.currentTarget));
  $("btn-resume").addEventListener("click", (e) => clockAction("resume", e.currentTarget));
  $("btn-end").addEventListener("click", async (e) => {
    const button = e.currentTarget;
    const ok = await confirmDialog({
      title: "End the exercise for good?",
      text: [el("p", {}, "End ", el("strong", {}, name), ` at ${clockTime(live.elapsed())}?`),
        "The clock stops for good, no more injects go out, teams can no longer log actions, "
          + "and overdue steps count as missed. This cannot be undone.",
        "To stop for a while, use Pause instead."],
      ok: "End the exercise", danger: true,
    });
    if (ok) clockAction("end", button);
  });
  $("speed").addEventListener("change", async (e) => {
    const speed = Number(e.target.value);
    const ex = await control("PATCH", base, { speed }, e.target);
    if (ex) live.setClock(ex.clock);
    invalidate("controls");
  });
  $("btn-adhoc").addEventListener("click", openAdhoc);
  $("adhoc-form").addEventListener("submit", submitAdhoc);
  $("adhoc-hold").addEventListener("change", adhocLabels);
  $("adhoc-cancel").addEventListener("click", () => $("adhoc-dialog").close());
  $("retime-form").addEventListener("submit", submitRetime);
  $("retime-at").addEventListener("input", retimeHint);
  $("retime-cancel").addEventListener("click", () => $("retime-dialog").close());
  $("edit-form").addEventListener("submit", submitEdit);
  $("edit-cancel").addEventListener("click", () => $("edit-dialog").close());
  $("btn-rotate").addEventListener("click", rotateCode);
  $("msel-scroll").addEventListener("click", onInjectButton);
  $("prompts").addEventListener("click", onInjectButton);
  $("msg-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("msg-text").value.trim();
    if (!text) return;
    const sent = await control("POST", `${base}/messages`, { to: $("msg-to").value, text }, $("btn-send"));
    if (sent) $("msg-text").value = "";
  });
  $("messages").addEventListener("click", (e) => {
    const button = e.target.closest('[data-action="reply"]');
    if (!button) return;
    $("msg-to").value = button.dataset.team;
    $("msg-text").focus();
  });
}

function markRead() {
  const last = Math.max(0, ...[...view.events.values()].filter((ev) => ev.type === "message").map((ev) => ev.seq));
  if (last > view.readUpTo) {
    view.readUpTo = last;
    invalidate("messages");
  }
}
document.querySelector(".messages-panel").addEventListener("click", markRead);
document.querySelector(".messages-panel").addEventListener("focusin", markRead);

$("team-chips").addEventListener("click", (e) => {
  const chip = e.target.closest("[data-team-code]");
  if (chip) showTeam(chip.dataset.teamCode);
});
$("team-dialog-close").addEventListener("click", () => $("team-dialog").close());

function showCell(cell) {
  if (cell?.dataset.step && cell.dataset.team) $("grid-detail").textContent = cell.title.replace("\n", " — ");
}
$("grid").addEventListener("click", (e) => showCell(e.target.closest("td.cell")));
$("grid").addEventListener("mouseover", (e) => showCell(e.target.closest("td.cell")));

setInterval(tick, 250);
tick();
