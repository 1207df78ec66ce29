// "What happened": one line per event, newest first.
import { $, el } from "../dom.js";
import { hasLabel, label } from "../labels.js";
import { eventsNewestFirst } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { state, teamName, toText } from "./page.js";
import { t, tn } from "../i18n.js";

const FEED_LENGTH = 400;

/** [text, tone] of an event's line, or null for an event the feed leaves out. */
function feedLine(ev) {
  const d = ev.data || {};
  const inj = d.inject || d;
  switch (ev.type) {
    case "exercise.created": return [label("event", ev.type), "info"];
    case "exercise.paused": return [label("event", ev.type), "warn"];
    case "exercise.resumed": case "exercise.ended": return [label("event", ev.type), "clock"];
    case "exercise.started":
      return [t("{event} (speed ×{speed})", { event: label("event", ev.type), speed: d.clock?.speed ?? 1 }), "clock"];
    case "exercise.speed":
      return [t("Speed ×{from} → ×{to}", { from: d.previous_speed ?? "?", to: d.clock?.speed }), "clock"];
    case "inject.released":
      return [inj.delayed ? t("{id} released to {teams}: {title} (delayed)", { id: inj.id, teams: toText(inj.to), title: inj.title })
        : t("{id} released to {teams}: {title}", { id: inj.id, teams: toText(inj.to), title: inj.title }), "inject"];
    case "inject.held": return [t("{id} held", { id: inj.id }), "warn"];
    case "inject.unheld": return [t("{id} back on the schedule", { id: inj.id }), "info"];
    case "inject.skipped": return [t("{id} skipped", { id: inj.id }), "info"];
    case "inject.retimed": {
      const slot = (s) => (s === null || s === undefined ? t("reserve") : clockTime(s));
      return [t("{id} moved from {from} to {to}", { id: inj.id, from: slot(d.previous_at_s), to: slot(inj.at_s) }), "info"];
    }
    case "inject.edited": return [t("{id} edited ({fields})", { id: inj.id, fields: (d.fields || []).join(", ") }), "info"];
    case "inject.added": return [t("Ad-hoc inject {id} added: {title}", { id: inj.id, title: inj.title }), "info"];
    case "inject.acknowledged":
      return [d.by ? t("{team} acknowledged {id} ({name})", { team: teamName(d.team), id: d.inject_id, name: d.by })
        : t("{team} acknowledged {id}", { team: teamName(d.team), id: d.inject_id }), "ack"];
    case "contingency.prompt":
      return [t("{step} overdue for {team}: release {id}?", { step: d.step, team: teamName(d.team), id: d.inject_id }), "bad"];
    case "contingency.dismissed": return [t("{id} dismissed", { id: inj.id }), "info"];
    case "action.logged": {
      const a = d.action || {};
      const what = a.step ? (a.text ? t("{step} done: {text}", { step: a.step, text: a.text }) : t("{step} done", { step: a.step }))
        : a.text;
      return [a.by ? t("{team} ({name}): {text}", { team: teamName(a.team || ev.team), name: a.by, text: what })
        : t("{team}: {text}", { team: teamName(a.team || ev.team), text: what }), "action"];
    }
    case "step.status":
      if (d.status === "overdue") return [t("{step} overdue for {team}", { step: d.step, team: teamName(d.team) }), "bad"];
      if (d.status === "missed") return [t("{step} missed by {team}", { step: d.step, team: teamName(d.team) }), "bad"];
      if (d.status === "late") return [t("{step} done late by {team}", { step: d.step, team: teamName(d.team) }), "warn"];
      if (d.status === "open") {
        return [t("{step} now due for {team} (by {time})", { step: d.step, team: teamName(d.team), time: clockTime(d.due_at_s) }), "quiet"];
      }
      return null;  // done: the action line already says so
    case "step.waived":
      return [t("{step} waived for {team}: {reason}", { step: d.step, team: teamName(d.team), reason: d.reason }), "info"];
    case "message":
      return [d.to === "control" ? t("{team} ({name}) → control: {text}", { team: teamName(d.from?.team), name: d.from?.name, text: d.text })
        : d.to === "all" ? t("Control → all teams: {text}", { text: d.text })
          : t("Control → {team}: {text}", { team: teamName(d.to), text: d.text }), "message"];
    case "participant.joined": return [t("{name} joined {team}", { name: d.participant?.name, team: teamName(d.team) }), "quiet"];
    case "team.code_rotated":
      return [tn("New join code for {team}; {n} tablet(s) signed out", "New join code for {team}; {n} tablet(s) signed out",
        d.revoked_participants ?? 0, { team: teamName(d.team) }), "warn"];
    case "observation": {
      const o = d.observation || {};
      return [o.evaluator ? t("Observation by {name}: {text}", { name: o.evaluator, text: o.text ?? "" })
        : t("Observation: {text}", { text: o.text ?? "" }), "quiet"];
    }
    default:
      return [hasLabel("event", ev.type) ? label("event", ev.type) : ev.type.replace(/[._]/g, " "), "quiet"];
  }
}

export function renderFeed() {
  const items = [];
  for (const ev of eventsNewestFirst(state)) {
    const line = feedLine(ev);
    if (!line) continue;
    items.push(el("li", { class: `feed-${line[1]}`, dataset: { seq: String(ev.seq), type: ev.type } },
      el("span", { class: "time mono" }, clockTime(ev.exercise_time_s)), " ", line[0]));
    if (items.length >= FEED_LENGTH) break;
  }
  $("feed").replaceChildren(...items);
}
