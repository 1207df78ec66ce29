// "What happened": one line per event, newest first.
import { $, el } from "../dom.js";
import { hasLabel, label } from "../labels.js";
import { eventsNewestFirst } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { state, teamName, toText } from "./page.js";

const FEED_LENGTH = 400;

/** [text, tone] of an event's line, or null for an event the feed leaves out. */
function feedLine(ev) {
  const d = ev.data || {};
  const inj = d.inject || d;
  switch (ev.type) {
    case "exercise.created": return [label("event", ev.type), "info"];
    case "exercise.paused": return [label("event", ev.type), "warn"];
    case "exercise.resumed": case "exercise.ended": return [label("event", ev.type), "clock"];
    case "exercise.started": return [`${label("event", ev.type)} (speed ×${d.clock?.speed ?? 1})`, "clock"];
    case "exercise.speed": return [`Speed ×${d.previous_speed ?? "?"} → ×${d.clock?.speed}`, "clock"];
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
