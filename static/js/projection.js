// The projection: what a page knows of an exercise, as a fold of event envelopes
// {seq, type, exercise_time_s, wall_time, team, data} over a `state` snapshot. It mirrors the
// server's app/engine/projection.py (same event names, same state shape), so live pages,
// replay and the after-action report agree.
//
// One reducer per event type, in `reducers`; a new kind of event (the map's, say) gets its own
// reducer there and nothing else changes. Reducers read only the state and the event: no clock,
// no page, no server, so the same events always give the same state, on every page.
//
// Events reach a page live, through `sync` after a reconnect and through a replay from the
// start, and these can interleave. So folding is idempotent (an event already folded is
// ignored) and independent of order: each field of an entry remembers the seq of the event
// that wrote it (in `versions`), and an older event does not overwrite it. A snapshot writes
// its entries at its `last_seq`. Answers of the JSON API carry no seq: `mergeInject` and
// friends take their values and leave the versions alone, so the event that follows applies.
//
// The state is plain JSON, as on the server (see docs/architecture.md, "Front end"):
//   exercise_id, lens (a team's key on its tablet), seq, exercise_time_s, wall_time
//   exercise            {name, status, clock: {status, elapsed_s, speed}, lead_evaluator, branched_from}
//   teams               {key: {key, name, agency, join_code (staff)}} in exercise order
//   participants        {id: {id, name, team, joined_at_s}}
//   injects             {id: inject view + {released_seq, acks: {team: {at_s, by, seq}}}} in exercise order
//   steps               {team: {step: {step, status, out_of_order, due_at_s, done_at_s, ..., seq}}}
//   scores              {team: score (0..1) or null}
//   actions             {client_id: {client_id, step, text, by, team, exercise_time_s, seq}}
//   messages            [{seq, at_s, from, to, text, team}] in seq order
//   prompts             {inject id: {inject, title, team, step, prompted_at_s, outcome: pending|released|dismissed}}
//   waivers             {"team/step": {team, step, reason, at_s}}
//   observations        {id: observation + {edited, seq}}
//   ratings, consensus  {objective: {evaluator: rating}}, {objective: rating}
//   corrective_actions  {id: improvement-plan row}
//   narrative, feedback {section: {text, at, seq}}, [feedback form]
// and, for pages only:
//   tablets             {team: tablets joined, less those a new join code signed out}
//   timelines           {team: [{seq, t, kind: inject|ack|action|step, ...}]} what each team saw and did
//   events              {seq: envelope} every event folded (the console's feed)
//   versions            {"injects/I-04": {field: seq}} which event wrote each field

/** An empty state; `teams` (a list) when the page knows them before any snapshot; `lens`: a team's key. */
export function createState({ teams = [], lens = null } = {}) {
  const state = {
    exercise_id: null, lens, seq: 0, exercise_time_s: 0, wall_time: null,
    exercise: { name: "", status: "draft", clock: { status: "draft", elapsed_s: 0, speed: 1 },
      lead_evaluator: null, branched_from: null },
    teams: {}, participants: {}, injects: {}, steps: {}, scores: {}, actions: {}, messages: [], prompts: {},
    waivers: {}, observations: {}, ratings: {}, consensus: {}, corrective_actions: {}, narrative: {}, feedback: [],
    zones: {}, rules: {}, moves: {}, measurements: [], dose_alarms: [], dose_guidance: [], source_changes: [],
    tablets: {}, timelines: {}, events: {}, versions: {},
  };
  setTeams(state, teams);
  return state;
}

/** Fold a `state` message (staff: exercise + compliance; team: + checklist, actions) into the state. */
export function loadSnapshot(state, snapshot) {
  const { exercise } = snapshot;
  const seq = exercise.last_seq;
  state.exercise_id = exercise.id;
  if (snapshot.you?.team) state.lens = snapshot.you.team.key;
  state.seq = Math.max(state.seq, seq);
  set(state, "exercise", state.exercise, seq, { name: exercise.name, status: exercise.clock.status, clock: exercise.clock });
  setTeams(state, exercise.teams);
  for (const { acknowledged, ...inject } of exercise.injects) {
    set(state, `injects/${inject.id}`, injectEntry(state, inject.id), seq, inject);
    for (const [team, at_s] of Object.entries(acknowledged || {})) acknowledge(state, inject.id, team, { at_s, by: null, seq });
  }
  const { compliance } = snapshot;
  for (const team of compliance?.teams || (compliance ? [compliance] : [])) {
    for (const entry of team.steps) writeStep(state, team.key, entry, seq);
    set(state, "scores", state.scores, seq, { [team.key]: team.score });
  }
  for (const action of snapshot.actions || []) {
    state.actions[action.client_id] = { team: state.lens, ...state.actions[action.client_id], ...action };
  }
  return state;
}

/** Fold one event; an event already folded changes nothing. */
export function apply(state, ev) {
  if (state.events[ev.seq]) return state;
  state.events[ev.seq] = ev;
  if (ev.seq > state.seq) {
    state.seq = ev.seq;
    state.wall_time = ev.wall_time;
  }
  state.exercise_time_s = Math.max(state.exercise_time_s, ev.exercise_time_s ?? 0);
  reducers[ev.type]?.(state, ev, ev.data || {});
  return state;
}

/** Fold events into a state (a new one by default). */
export function fold(events, state = createState()) {
  for (const ev of events) apply(state, ev);
  return state;
}

// -- reducers: one per event type ------------------------------------------------------------

const clockChanged = (state, ev, d) => {
  if (d.clock) set(state, "exercise", state.exercise, ev.seq, { clock: d.clock, status: d.clock.status });
};

/** Staff events carry the whole staff view of the inject after the change (`data.inject`). */
const injectChanged = (state, ev, d) => {
  if (d.inject?.id) set(state, `injects/${d.inject.id}`, injectEntry(state, d.inject.id), ev.seq, d.inject);
};

const decide = (state, injectId, seq, outcome) => {
  set(state, `prompts/${injectId}`, (state.prompts[injectId] ||= { inject: injectId }), seq, { outcome });
};

const rowChanged = (collection, key) => (state, ev, d) => {
  const row = d[key];
  if (row) set(state, `${collection}/${row.id}`, (state[collection][row.id] ||= {}), ev.seq, row);
};

/** A zone drawn or redrawn (docs/zones.md): the zone as it stands, with when it was drawn and changed. */
const zoneChanged = (state, ev, d) => {
  const zone = d.zone;
  if (!zone?.id) return;
  const entry = (ev.type === "zone.drawn" || !state.zones[zone.id])
    ? (state.zones[zone.id] = { drawn_at_s: ev.exercise_time_s, decisions: [] }) : state.zones[zone.id];
  Object.assign(entry, zone, { changed_at_s: ev.exercise_time_s, seq: ev.seq });
};

/** An event of the radiological picture as folded: its data (less what only the sender needs), when, which seq. */
const stamped = (ev, d) => {
  const { client_id: _client, wall_s: _wall, ...rest } = d;
  return { ...rest, at_s: ev.exercise_time_s, seq: ev.seq };
};

export const reducers = {
  "exercise.created": (state, ev, d) => {
    set(state, "exercise", state.exercise, ev.seq, { name: d.name });
    if (!Object.keys(state.teams).length) setTeams(state, d.teams || []);
  },
  "exercise.started": clockChanged,
  "exercise.paused": clockChanged,
  "exercise.resumed": clockChanged,
  "exercise.speed": clockChanged,
  "exercise.ended": clockChanged,
  "exercise.renamed": (state, ev, d) => set(state, "exercise", state.exercise, ev.seq, { name: d.name }),
  // A branched exercise begins as its source stood at a moment: the clock there, the injects as they were.
  "exercise.branched": (state, ev, d) => {
    set(state, "exercise", state.exercise, ev.seq, {
      branched_from: { exercise_id: d.exercise_id, seq: d.seq, hash: d.hash, at_s: d.at_s },
      ...(d.name ? { name: d.name } : {}),
      clock: { ...state.exercise.clock, elapsed_s: d.at_s ?? state.exercise.clock.elapsed_s,
        speed: d.speed ?? state.exercise.clock.speed } });
    if (!Object.keys(state.teams).length) setTeams(state, d.teams || []);
    for (const inject of d.injects || []) set(state, `injects/${inject.id}`, injectEntry(state, inject.id), ev.seq, inject);
    for (const prompt of d.prompts || []) {
      if (prompt.inject) set(state, `prompts/${prompt.inject}`, (state.prompts[prompt.inject] ||= {}), ev.seq, prompt);
    }
  },
  "exercise.lead_evaluator": (state, ev, d) => set(state, "exercise", state.exercise, ev.seq, { lead_evaluator: d.lead_evaluator }),
  "participant.joined": (state, ev, d) => {
    const person = d.participant || {};
    state.participants[person.id ?? `seq:${ev.seq}`] = { id: person.id, name: person.name, team: d.team, joined_at_s: ev.exercise_time_s };
    state.tablets[d.team] = (state.tablets[d.team] || 0) + 1;
  },
  "team.code_rotated": (state, ev, d) => {
    state.tablets[d.team] = (state.tablets[d.team] || 0) - (d.revoked_participants || 0);
  },

  "inject.added": injectChanged,
  "inject.edited": injectChanged,
  "inject.retimed": injectChanged,
  "inject.held": injectChanged,
  "inject.unheld": injectChanged,
  "inject.skipped": injectChanged,
  "inject.released": (state, ev, d) => {
    // The team's view: title, body, from, to, channel, status, released_at_s...
    set(state, `injects/${d.id}`, injectEntry(state, d.id), ev.seq, { ...d, status: "released", released_seq: ev.seq });
    if (state.prompts[d.id]) decide(state, d.id, ev.seq, "released");
    for (const team of addressed(state, d.to)) {
      addToTimeline(state, team, ev, { kind: "inject", id: d.id, title: d.title, from: d.from });
    }
  },
  "inject.acknowledged": (state, ev, d) => {
    acknowledge(state, d.inject_id, d.team, { at_s: ev.exercise_time_s, by: d.by, seq: ev.seq });
    if (d.first_for_team !== false) addToTimeline(state, d.team, ev, { kind: "ack", id: d.inject_id, by: d.by });
  },
  "contingency.prompt": (state, ev, d) => {
    const released = state.injects[d.inject_id]?.released_seq;
    set(state, `prompts/${d.inject_id}`, (state.prompts[d.inject_id] ||= {}), ev.seq, {
      inject: d.inject_id, title: d.title, team: d.team, step: d.step, prompted_at_s: ev.exercise_time_s, outcome: "pending" });
    if (released > ev.seq) decide(state, d.inject_id, released, "released");
  },
  "contingency.dismissed": (state, ev, d) => {
    injectChanged(state, ev, d);
    if (d.inject?.id) decide(state, d.inject.id, ev.seq, "dismissed");
  },

  "action.logged": (state, ev, d) => {
    const action = d.action || {};
    state.actions[action.client_id] = {
      team: ev.team, exercise_time_s: ev.exercise_time_s, ...state.actions[action.client_id], ...action, seq: ev.seq };
    addToTimeline(state, action.team || ev.team, ev, { kind: "action", step: action.step, text: action.text, by: action.by });
  },
  "step.status": (state, ev, d) => {
    const { team, previous, team_score: score, ...entry } = d;
    writeStep(state, team, entry, ev.seq);
    if (score !== undefined) set(state, "scores", state.scores, ev.seq, { [team]: score });
    addToTimeline(state, team, ev, { kind: "step", step: d.step, status: d.status });
  },
  "zone.drawn": zoneChanged,
  "zone.changed": zoneChanged,
  "zone.removed": (state, ev, d) => { delete state.zones[d.zone?.id]; },
  "zone.decided": (state, ev, d) => { state.zones[d.zone?.id]?.decisions.push({ ...d.decision }); },
  // The radiological picture (docs/radiation.md): moves, readings, dose alarms and guidance, source changes.
  "responder.moved": (state, ev, d) => { if (d.responder) (state.moves[d.responder] ||= []).push(stamped(ev, d)); },
  "measurement.taken": (state, ev, d) => { state.measurements.push(stamped(ev, d)); },
  "dose.alarm": (state, ev, d) => { state.dose_alarms.push(stamped(ev, d)); },
  "dose.guidance_reached": (state, ev, d) => { state.dose_guidance.push(stamped(ev, d)); },
  "source.changed": (state, ev, d) => { state.source_changes.push(stamped(ev, d)); },
  "step.rule": (state, ev, d) => {
    const team = d.team || ev.team;
    if (!team || !d.step) return;
    const { team: _team, highlight: _highlight, ...verdict } = d;
    (state.rules[team] ||= {})[d.step] = { ...verdict, seq: ev.seq };
  },
  "step.waived": (state, ev, d) => {
    state.waivers[`${d.team}/${d.step}`] = { team: d.team, step: d.step, reason: d.reason || "", at_s: ev.exercise_time_s };
  },
  message: (state, ev, d) => {
    state.messages.push({ seq: ev.seq, at_s: ev.exercise_time_s, from: d.from, to: d.to, text: d.text || "", team: ev.team });
    if (state.messages.length > 1 && state.messages.at(-2).seq > ev.seq) state.messages.sort((a, b) => a.seq - b.seq);
  },
  "feedback.submitted": (state, ev, d) => {
    state.feedback.push({ team: ev.team, ...d.feedback });
  },

  observation: (state, ev, d) => rowChanged("observations", "observation")(state, ev, { observation: { ...d.observation, edited: false } }),
  "observation.edited": (state, ev, d) => rowChanged("observations", "observation")(state, ev, { observation: { ...d.observation, edited: true } }),
  "rating.set": (state, ev, d) => {
    set(state, `ratings/${d.objective}`, (state.ratings[d.objective] ||= {}), ev.seq, {
      [d.evaluator]: { evaluator: d.evaluator, rating: d.rating, rationale: d.rationale || "", updated_at: d.updated_at } });
  },
  "rating.consensus": (state, ev, d) => {
    set(state, "consensus", state.consensus, ev.seq, {
      [d.objective]: { rating: d.rating, rationale: d.rationale || "", set_by: d.set_by, updated_at: d.updated_at } });
  },
  "corrective_action.created": rowChanged("corrective_actions", "corrective_action"),
  "corrective_action.updated": rowChanged("corrective_actions", "corrective_action"),
  "report.narrative": (state, ev, d) => {
    if (d.section) set(state, "narrative", state.narrative, ev.seq, { [d.section]: { text: d.text || "", at: ev.wall_time, seq: ev.seq } });
  },
};

// -- writing ---------------------------------------------------------------------------------

/** Set the fields of `data` on `entry` (its versions under `path`), each unless a later event
 * already set it; entries that record their last event get `seq`. */
function set(state, path, entry, seq, data) {
  const versions = (state.versions[path] ||= {});
  for (const [field, value] of Object.entries(data)) {
    if (versions[field] > seq) continue;
    versions[field] = seq;
    entry[field] = value;
  }
  if (path.startsWith("steps/") || path.startsWith("observations/")) entry.seq = Math.max(entry.seq ?? 0, seq);
  return entry;
}

function injectEntry(state, id) {
  return (state.injects[id] ||= { id, status: "pending", released_at_s: null, released_seq: null, acks: {} });
}

function writeStep(state, team, entry, seq) {
  const steps = (state.steps[team] ||= {});
  set(state, `steps/${team}/${entry.step}`, (steps[entry.step] ||= {}), seq, entry);
}

/** A team's first acknowledgement of an inject is the earliest one, whatever order they come in. */
function acknowledge(state, injectId, team, ack) {
  const acks = injectEntry(state, injectId).acks;
  if (!acks[team] || ack.seq < acks[team].seq) acks[team] = ack;
}

function addToTimeline(state, team, ev, item) {
  if (team) (state.timelines[team] ||= []).push({ seq: ev.seq, t: ev.exercise_time_s, ...item });
}

// -- what the JSON API answers (no seq) ------------------------------------------------------

/** The teams as a snapshot or the API lists them (with their join codes for staff). */
export function setTeams(state, teams) {
  for (const team of teams) state.teams[team.key] = { ...state.teams[team.key], ...team };
}

/** A team's new join code, as the API returned it. */
export function setJoinCode(state, teamKey, code) {
  if (state.teams[teamKey]) state.teams[teamKey].join_code = code;
}

/** An inject as the API returned it after a control action. */
export function mergeInject(state, { acknowledged, ...inject }) {
  Object.assign(injectEntry(state, inject.id), inject);
}

/** The clock as the API returned it after a clock action. */
export function mergeClock(state, clock) {
  Object.assign(state.exercise, { clock, status: clock.status });
}

/** A row of a list the API returned (observations, improvement-plan rows). */
export function mergeRow(collection, row) {
  collection[row.id] = { ...collection[row.id], ...row };
}

/** An action the server accepted, before its event arrives. */
export function mergeAction(state, action) {
  state.actions[action.client_id] = { ...state.actions[action.client_id], ...action };
}

// -- reading ---------------------------------------------------------------------------------

/** The exercise's teams, in order. */
export const teamList = (state) => Object.values(state.teams);

/** The keys of the exercise's teams an inject goes to (a scenario may address a team left out). */
export function addressed(state, to) {
  if (to === "all") return Object.keys(state.teams);
  return [].concat(to || []).filter((key) => key in state.teams);
}

/** The status entry of a team's step (pending when nothing was said of it). */
export function stepEntry(state, team, step) {
  return state.steps[team]?.[step] || { step, status: "pending" };
}

/** The next pending inject on the timeline. */
export function nextInject(state) {
  let next = null;
  for (const inject of Object.values(state.injects)) {
    if (inject.status === "pending" && inject.at_s !== null && (!next || inject.at_s < next.at_s)) next = inject;
  }
  return next;
}

/** Contingency proposals still waiting for the controller (the inject is pending or held), with the inject. */
export function openPrompts(state) {
  return Object.values(state.prompts).filter((p) => p.team).sort((a, b) => a.prompted_at_s - b.prompted_at_s)
    .flatMap((prompt) => {
      const inject = state.injects[prompt.inject];
      return inject && (inject.status === "pending" || inject.status === "held") ? [{ ...prompt, inject }] : [];
    });
}

/** Messages, newest first. */
export const messagesNewestFirst = (state) => [...state.messages].reverse();

/** Events, newest first. */
export const eventsNewestFirst = (state) => Object.values(state.events).sort((a, b) => b.seq - a.seq);
