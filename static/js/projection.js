// The projection: what a page knows of an exercise, as a fold of event envelopes
// {seq, type, exercise_time_s, wall_time, team, data} over a `state` snapshot.
//
// One reducer per event type, in `reducers`; a new kind of event (the map's, say) gets its own
// reducer there and nothing else changes. Reducers read only the state and the event: no clock,
// no page, no server, so the same events always give the same state, on every page.
//
// Events reach a page live, through `sync` after a reconnect and through a replay from the
// start, and these can interleave. So folding is idempotent (an event already folded is
// ignored) and independent of order: each field of an entry remembers the seq of the event
// that wrote it (in `versions`), and an older event does not overwrite it; an entry's `seq` is
// the newest of them. A snapshot writes its entries at its `last_seq`. Answers of the JSON API
// carry no seq: `mergeInject` and friends take their values and leave the versions alone, so
// the event that follows them still applies.
//
// The state (plain JSON, the shape app/engine/projection.py folds on the server):
//   seq                 highest seq folded (or the snapshot's last_seq)
//   name                the exercise's name
//   clock               {status, elapsed_s, speed, seq}
//   teams               [{key, name, agency, join_code?}] in exercise order
//   injects             {inject id: inject as in the contract (+ staff fields), seq}
//   acknowledgements    {inject id: {team key: exercise time of the team's first acknowledgement}}
//   steps               {team key: {step id: {step, status, out_of_order, due_at_s, done_at_s, ..., seq}}}
//   scores              {team key: {score, seq}}
//   actions             {client_id: {client_id, step, text, by, team, exercise_time_s, seq}}
//   messages            {seq: {seq, at, from, to, text}}
//   prompts             {inject id: {inject_id, title, team, step, at, seq}} (contingency proposals)
//   observations        {id: observation, seq}
//   correctiveActions   {id: improvement-plan row, seq}
//   tablets             {team key: tablets joined, less those signed out by a new code}
//   timelines           {team key: [{seq, t, kind: inject|ack|action|step, ...}]} what each team saw and did
//   events              {seq: envelope} every event folded (the console's feed)
//   versions            {"injects/I-04": {field: seq}} which event wrote each field of an entry

/** An empty state; `teams` when the page knows them before any snapshot. */
export function createState({ teams = [] } = {}) {
  return {
    seq: 0, name: "", clock: { status: "draft", elapsed_s: 0, speed: 1, seq: 0 }, teams: [...teams],
    injects: {}, acknowledgements: {}, steps: {}, scores: {}, actions: {}, messages: {}, prompts: {},
    observations: {}, correctiveActions: {}, tablets: {}, timelines: {}, events: {}, versions: {},
  };
}

/** Fold a `state` message (staff: exercise + compliance; team: + checklist, actions) into the state. */
export function loadSnapshot(state, snapshot) {
  const exercise = snapshot.exercise;
  const seq = exercise.last_seq;
  state.seq = Math.max(state.seq, seq);
  state.name = exercise.name;
  setClock(state, exercise.clock, seq);
  state.teams = exercise.teams;
  for (const inject of exercise.injects) {
    const { acknowledged, ...rest } = inject;
    write(state, "injects", inject.id, seq, rest);
    for (const [team, at] of Object.entries(acknowledged || {})) acknowledge(state, inject.id, team, at);
  }
  const compliance = snapshot.compliance;
  for (const team of compliance?.teams || (compliance ? [compliance] : [])) {
    for (const entry of team.steps) writeStep(state, team.key, entry, seq);
    write(state, "scores", team.key, seq, { score: team.score });
  }
  for (const action of snapshot.actions || []) {
    state.actions[action.client_id] = { ...state.actions[action.client_id], ...action };
  }
  return state;
}

/** Fold one event; an event already folded changes nothing. */
export function apply(state, ev) {
  if (state.events[ev.seq]) return state;
  state.events[ev.seq] = ev;
  state.seq = Math.max(state.seq, ev.seq);
  reducers[ev.type]?.(state, ev, ev.data || {});
  return state;
}

/** Fold events in order into a state (a new one by default). */
export function fold(events, state = createState()) {
  for (const ev of events) apply(state, ev);
  return state;
}

// -- reducers: one per event type ------------------------------------------------------------

const clockChanged = (state, ev, d) => { if (d.clock) setClock(state, d.clock, ev.seq); };

/** An inject event carrying the whole inject (`data.inject`): it replaces what was known. */
const injectChanged = (state, ev, d) => { if (d.inject) writeInject(state, d.inject, ev.seq); };

export const reducers = {
  "exercise.created": (state, ev, d) => {
    if (!state.name) state.name = d.name;
    if (!state.teams.length && d.teams) state.teams = d.teams;
  },
  "exercise.started": clockChanged,
  "exercise.paused": clockChanged,
  "exercise.resumed": clockChanged,
  "exercise.speed": clockChanged,
  "exercise.ended": clockChanged,

  "inject.released": (state, ev, d) => {
    writeInject(state, d, ev.seq);
    for (const team of addressed(state, d.to)) {
      addToTimeline(state, team, ev, { kind: "inject", id: d.id, title: d.title, from: d.from });
    }
  },
  "inject.held": injectChanged,
  "inject.unheld": injectChanged,
  "inject.skipped": injectChanged,
  "inject.retimed": injectChanged,
  "inject.edited": injectChanged,
  "inject.added": injectChanged,
  "contingency.dismissed": injectChanged,
  "inject.acknowledged": (state, ev, d) => {
    acknowledge(state, d.inject_id, d.team, ev.exercise_time_s);
    if (d.first_for_team !== false) addToTimeline(state, d.team, ev, { kind: "ack", id: d.inject_id, by: d.by });
  },
  "contingency.prompt": (state, ev, d) => {
    write(state, "prompts", d.inject_id, ev.seq, { ...d, at: ev.exercise_time_s });
  },

  "action.logged": (state, ev, d) => {
    const action = d.action || {};
    state.actions[action.client_id] = { ...state.actions[action.client_id], ...action, seq: ev.seq };
    addToTimeline(state, action.team || ev.team, ev, { kind: "action", step: action.step, text: action.text, by: action.by });
  },
  "step.status": (state, ev, d) => {
    writeStep(state, d.team, d, ev.seq);
    if (d.team_score !== undefined) write(state, "scores", d.team, ev.seq, { score: d.team_score });
    addToTimeline(state, d.team, ev, { kind: "step", step: d.step, status: d.status });
  },

  message: (state, ev, d) => {
    state.messages[ev.seq] = { ...d, at: ev.exercise_time_s, seq: ev.seq };
  },
  "participant.joined": (state, ev, d) => {
    state.tablets[d.team] = (state.tablets[d.team] || 0) + 1;
  },
  "team.code_rotated": (state, ev, d) => {
    state.tablets[d.team] = (state.tablets[d.team] || 0) - (d.revoked_participants || 0);
  },

  observation: (state, ev, d) => {
    if (d.observation) write(state, "observations", d.observation.id, ev.seq, d.observation);
  },
  "observation.edited": (state, ev, d) => {
    if (d.observation) write(state, "observations", d.observation.id, ev.seq, d.observation);
  },
  "corrective_action.created": (state, ev, d) => {
    if (d.corrective_action) write(state, "correctiveActions", d.corrective_action.id, ev.seq, d.corrective_action);
  },
  "corrective_action.updated": (state, ev, d) => {
    if (d.corrective_action) write(state, "correctiveActions", d.corrective_action.id, ev.seq, d.corrective_action);
  },
};

// -- writing entries -------------------------------------------------------------------------

/** Write the fields of `data` into the entry `key` of the collection at `path` ("injects",
 * "steps.fire"...), each unless a later event already wrote that field. */
function write(state, path, key, seq, data) {
  let collection = state;
  for (const part of path.split(".")) collection = (collection[part] ||= {});
  const versions = (state.versions[`${path.replace(".", "/")}/${key}`] ||= {});
  const entry = { ...collection[key] };
  for (const [field, value] of Object.entries(data)) {
    if (field === "seq" || versions[field] > seq) continue;
    versions[field] = seq;
    entry[field] = value;
  }
  entry.seq = Math.max(entry.seq ?? 0, seq);
  collection[key] = entry;
}

function writeInject(state, inject, seq) {
  write(state, "injects", inject.id, seq, inject);
}

function writeStep(state, team, entry, seq) {
  write(state, `steps.${team}`, entry.step, seq, entry);
}

function setClock(state, clock, seq) {
  if (state.clock.seq > seq) return;
  state.clock = { status: clock.status, elapsed_s: clock.elapsed_s, speed: clock.speed, seq };
}

/** A team's first acknowledgement of an inject is the earliest one, whatever order they come in. */
function acknowledge(state, injectId, team, at) {
  const acks = (state.acknowledgements[injectId] ||= {});
  if (acks[team] === undefined || at < acks[team]) acks[team] = at;
}

function addToTimeline(state, team, ev, item) {
  if (!team) return;
  (state.timelines[team] ||= []).push({ seq: ev.seq, t: ev.exercise_time_s, ...item });
}

/** The keys of the exercise's teams an inject goes to (a scenario may address a team left out). */
export function addressed(state, to) {
  if (to === "all") return state.teams.map((t) => t.key);
  return [].concat(to || []).filter((key) => state.teams.some((t) => t.key === key));
}

// -- what the JSON API answers (no seq) ------------------------------------------------------

/** An inject as the API returned it after a control action. */
export function mergeInject(state, inject) {
  const { acknowledged, ...rest } = inject;
  state.injects[inject.id] = { ...state.injects[inject.id], ...rest, seq: state.injects[inject.id]?.seq ?? 0 };
  for (const [team, at] of Object.entries(acknowledged || {})) acknowledge(state, inject.id, team, at);
}

/** The clock as the API returned it after a clock action. */
export function mergeClock(state, clock) {
  state.clock = { status: clock.status, elapsed_s: clock.elapsed_s, speed: clock.speed, seq: state.clock.seq };
}

/** The teams as the API returned them (with their join codes). */
export function setTeams(state, teams) {
  state.teams = teams;
}

/** A team's new join code, as the API returned it. */
export function setJoinCode(state, teamKey, code) {
  state.teams = state.teams.map((t) => (t.key === teamKey ? { ...t, join_code: code } : t));
}

/** A row of a list the API returned (observations, improvement-plan rows). */
export function mergeRow(collection, row) {
  collection[row.id] = { ...collection[row.id], ...row, seq: collection[row.id]?.seq ?? 0 };
}

/** An action the server accepted, before its event arrives. */
export function mergeAction(state, action) {
  state.actions[action.client_id] = { ...state.actions[action.client_id], ...action };
}

// -- reading ---------------------------------------------------------------------------------

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

/** Contingency proposals still waiting for the controller, each with its inject. */
export function openPrompts(state) {
  return Object.values(state.prompts).sort((a, b) => a.seq - b.seq).flatMap((prompt) => {
    const inject = state.injects[prompt.inject_id];
    return inject && (inject.status === "pending" || inject.status === "held") ? [{ ...prompt, inject }] : [];
  });
}

/** Messages, newest first. */
export function messagesNewestFirst(state) {
  return Object.values(state.messages).sort((a, b) => b.seq - a.seq);
}

/** Events, newest first. */
export function eventsNewestFirst(state) {
  return Object.values(state.events).sort((a, b) => b.seq - a.seq);
}
