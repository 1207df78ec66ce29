// Every word a page shows for a status, a channel, a kind of thing or an event: the one table
// the pages' words come from, and the place where translation will plug in a catalogue.
//
// label(kind, key) looks the key up in the kind's table. A kind with a dot is a variant of
// another one ("channel.tablet" of "channel"): it lists only the words it says differently, the
// rest come from the kind before the dot. Texts may hold {placeholders}, filled from `params`.

const WORDS = {
  // The exercise clock (DESIGN.md section 3). Staff pages show "paused" in capitals, with CSS.
  clock: { draft: "Not started", running: "Running", paused: "Paused", ended: "Ended" },

  // Injects: their status, and what the console says of one that is not on the timeline.
  inject: {
    pending: "Pending", held: "Held", released: "Released", skipped: "Skipped",
    proposed: "Proposed", standby: "Standby", reserve: "In reserve",
    next: "Next", delayed: "Delayed", adhoc: "Ad hoc",
  },
  "inject-type": {
    event: "Event", information: "Information", request: "Request", media: "Media", contingency: "Contingency",
  },
  channel: {
    radio: "Radio", phone: "Phone", email: "E-mail", media: "Media", "field-report": "Field report",
    sensor: "Instrument", other: "Other",
  },
  // On a team's tablet an inject without a channel is simply a message.
  "channel.tablet": { other: "Message" },

  // Checklist steps (DESIGN.md section 4).
  step: {
    pending: "Not yet due", open: "Due", overdue: "Overdue", missed: "Missed", done: "Done",
    late: "Done late", waived: "Not applicable",
  },
  // The console grid's legend, and the letter in each cell.
  "step.legend": {
    pending: "not yet due", open: "due", overdue: "overdue", missed: "missed", done: "done",
    late: "late", waived: "waived",
  },
  "step.letter": { pending: "·", open: "O", overdue: "!", missed: "M", done: "✓", late: "L", waived: "W" },
  phase: {
    arrival: "Arrival", protect: "Protect", rescue: "Rescue", measure: "Measure", inform: "Inform",
    recover: "Recover", other: "Other",
  },
  // Headings of the tablet's checklist, where there is room for the longer names.
  "phase.heading": { arrival: "Arrival and size-up", rescue: "Rescue and treat" },

  // What a tablet shows of an action it logged.
  action: { queued: "Waiting to send", refused: "Not accepted", sent: "Logged" },

  // Evaluation: HSEEP ratings (the definitions come with the page), observation kinds,
  // improvement-plan row statuses.
  rating: {
    P: "Performed without Challenges", S: "Performed with Some Challenges",
    M: "Performed with Major Challenges", U: "Unable to be Performed",
  },
  "observation-tag": { strength: "Strength", improvement: "Area for improvement" },
  "plan-status": { open: "Open", "in-progress": "In progress", completed: "Completed", cancelled: "Cancelled" },

  role: { admin: "Admin", controller: "Controller", evaluator: "Evaluator", participant: "Team member" },

  // The connection badge: a tablet's words, and the staff pages' where they differ.
  connection: {
    connecting: "Connecting…", online: "Online", offline: "Offline", waiting: "Offline · {n} waiting",
    "offline-since": "Offline since {since}", "waiting-since": "Offline since {since} · {n} waiting",
    revoked: "Signed out", error: "Not watching",
  },
  "connection.staff": { online: "Live", offline: "Offline — reconnecting" },

  // Event types (DESIGN.md section 7), as a line of the event feed names them.
  event: {
    "exercise.created": "Exercise created", "exercise.started": "Exercise started",
    "exercise.paused": "Exercise PAUSED", "exercise.resumed": "Exercise resumed",
    "exercise.speed": "Speed changed", "exercise.ended": "Exercise ended",
    "exercise.renamed": "Exercise renamed", "exercise.branched": "Exercise branched",
    "exercise.lead_evaluator": "Lead evaluator named",
    "inject.released": "Inject released", "inject.held": "Inject held", "inject.unheld": "Inject back on the schedule",
    "inject.skipped": "Inject skipped", "inject.retimed": "Inject retimed", "inject.edited": "Inject edited",
    "inject.added": "Ad-hoc inject added", "inject.acknowledged": "Inject acknowledged",
    "contingency.prompt": "Contingency proposed", "contingency.dismissed": "Contingency dismissed",
    "action.logged": "Action logged", "step.status": "Step status", "step.waived": "Step waived",
    message: "Message", "participant.joined": "Tablet joined", "team.code_rotated": "New join code",
    observation: "Observation", "observation.edited": "Observation edited",
    "rating.set": "Rating set", "rating.consensus": "Consensus rating set",
    "corrective_action.created": "Improvement-plan row added", "corrective_action.updated": "Improvement-plan row changed",
    "report.narrative": "Report text edited", "feedback.submitted": "Feedback submitted",
    "zone.drawn": "Zone drawn", "zone.changed": "Zone reshaped", "zone.removed": "Zone removed",
    "zone.decided": "Protective action decided", "step.rule": "Map check",
    "responder.moved": "Responder moved", "measurement.taken": "Reading", "dose.alarm": "Dosimeter alarm",
    "dose.guidance_reached": "Dose guidance reached", "source.changed": "Source changed",
    "exercise.dose_guidance": "Dose guidance set chosen",
  },
};

function lookup(kind, key) {
  for (let k = kind; k; k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "") {
    const text = WORDS[k]?.[key];
    if (text !== undefined) return text;
  }
  return undefined;
}

/** The word for `key` of `kind` (the key itself when there is none), with {placeholders} filled. */
export function label(kind, key, params) {
  if (key === null || key === undefined) return "";
  const text = lookup(kind, key) ?? String(key);
  return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
}

/** Whether `kind` has a word for `key`. */
export function hasLabel(kind, key) {
  return lookup(kind, key) !== undefined;
}

/** [key, word] pairs of a kind, in table order (for a select's options, a legend). */
export function labels(kind) {
  return Object.keys(WORDS[kind] || {}).map((key) => [key, label(kind, key)]);
}
