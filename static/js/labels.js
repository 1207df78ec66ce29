// Every word a page shows for a status, a channel, a kind of thing or an event: the one table
// the pages' words come from, in the page's language (static/js/i18n.js).
//
// label(kind, key) looks the key up in the kind's table. A kind with a dot is a variant of
// another one ("channel.tablet" of "channel"): it lists only the words it says differently, the
// rest come from the kind before the dot. Texts may hold {placeholders}, filled from `params`.

import { t } from "./i18n.js";

const WORDS = {
  // The exercise clock (DESIGN.md section 3). Staff pages show "paused" in capitals, with CSS.
  clock: { draft: t("Not started"), running: t("Running"), paused: t("Paused"), ended: t("Ended") },

  // Injects: their status, and what the console says of one that is not on the timeline.
  inject: {
    pending: t("Pending"), held: t("Held"), released: t("Released"), skipped: t("Skipped"),
    proposed: t("Proposed"), standby: t("Standby"), reserve: t("In reserve"),
    next: t("Next"), delayed: t("Delayed"), adhoc: t("Ad hoc"),
  },
  "inject-type": {
    event: t("Event"), information: t("Information"), request: t("Request"), media: t("Media"), contingency: t("Contingency"),
  },
  channel: {
    radio: t("Radio"), phone: t("Phone"), email: t("E-mail"), media: t("Media"), "field-report": t("Field report"),
    sensor: t("Instrument"), other: t("Other"),
  },
  // On a team's tablet an inject without a channel is simply a message.
  "channel.tablet": { other: t("Message") },

  // Checklist steps (DESIGN.md section 4).
  step: {
    pending: t("Not yet due"), open: t("Due"), overdue: t("Overdue"), missed: t("Missed"), done: t("Done"),
    late: t("Done late"), waived: t("Not applicable"),
  },
  // The console grid's legend, and the letter in each cell.
  "step.legend": {
    pending: t("not yet due"), open: t("due"), overdue: t("overdue"), missed: t("missed"), done: t("done"),
    late: t("late"), waived: t("waived"),
  },
  "step.letter": { pending: "·", open: "O", overdue: "!", missed: "M", done: "✓", late: "L", waived: "W" },
  phase: {
    arrival: t("Arrival"), protect: t("Protect"), rescue: t("Rescue"), measure: t("Measure"), inform: t("Inform"),
    recover: t("Recover"), other: t("Other"),
  },
  // Headings of the tablet's checklist, where there is room for the longer names.
  "phase.heading": { arrival: t("Arrival and size-up"), rescue: t("Rescue and treat") },

  // What a tablet shows of an action it logged.
  action: { queued: t("Waiting to send"), refused: t("Not accepted"), sent: t("Logged") },

  // Evaluation: HSEEP ratings (the definitions come with the page), observation kinds,
  // improvement-plan row statuses.
  rating: {
    P: t("Performed without Challenges"), S: t("Performed with Some Challenges"),
    M: t("Performed with Major Challenges"), U: t("Unable to be Performed"),
  },
  "observation-tag": { strength: t("Strength"), improvement: t("Area for improvement") },
  "plan-status": { open: t("Open"), "in-progress": t("In progress"), completed: t("Completed"), cancelled: t("Cancelled") },

  role: { admin: t("Admin"), controller: t("Controller"), evaluator: t("Evaluator"), participant: t("Team member") },

  // The connection badge: a tablet's words, and the staff pages' where they differ.
  connection: {
    connecting: t("Connecting…"), online: t("Online"), offline: t("Offline"), waiting: t("Offline · {n} waiting"),
    "offline-since": t("Offline since {since}"), "waiting-since": t("Offline since {since} · {n} waiting"),
    revoked: t("Signed out"), error: t("Not watching"),
  },
  "connection.staff": { online: t("Live"), offline: t("Offline — reconnecting") },

  // Event types (DESIGN.md section 7), as a line of the event feed names them.
  event: {
    "exercise.created": t("Exercise created"), "exercise.started": t("Exercise started"),
    "exercise.paused": t("Exercise PAUSED"), "exercise.resumed": t("Exercise resumed"),
    "exercise.speed": t("Speed changed"), "exercise.ended": t("Exercise ended"),
    "exercise.renamed": t("Exercise renamed"), "exercise.branched": t("Exercise branched"),
    "exercise.lead_evaluator": t("Lead evaluator named"),
    "inject.released": t("Inject released"), "inject.held": t("Inject held"), "inject.unheld": t("Inject back on the schedule"),
    "inject.skipped": t("Inject skipped"), "inject.retimed": t("Inject retimed"), "inject.edited": t("Inject edited"),
    "inject.added": t("Ad-hoc inject added"), "inject.acknowledged": t("Inject acknowledged"),
    "contingency.prompt": t("Contingency proposed"), "contingency.dismissed": t("Contingency dismissed"),
    "action.logged": t("Action logged"), "step.status": t("Step status"), "step.waived": t("Step waived"),
    message: t("Message"), "participant.joined": t("Tablet joined"), "team.code_rotated": t("New join code"),
    observation: t("Observation"), "observation.edited": t("Observation edited"),
    "rating.set": t("Rating set"), "rating.consensus": t("Consensus rating set"),
    "corrective_action.created": t("Improvement-plan row added"), "corrective_action.updated": t("Improvement-plan row changed"),
    "report.narrative": t("Report text edited"), "feedback.submitted": t("Feedback submitted"),
    "zone.drawn": t("Zone drawn"), "zone.changed": t("Zone reshaped"), "zone.removed": t("Zone removed"),
    "zone.decided": t("Protective action decided"), "step.rule": t("Map check"),
    "responder.moved": t("Responder moved"), "measurement.taken": t("Reading"), "dose.alarm": t("Dosimeter alarm"),
    "dose.guidance_reached": t("Dose guidance reached"), "source.changed": t("Source changed"),
    "exercise.dose_guidance": t("Dose guidance set chosen"),
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
