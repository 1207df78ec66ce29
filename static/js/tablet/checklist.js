// The team's checklist by phase: each step's status, due countdown, and one tap to mark it done.
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { stepEntry } from "../projection.js";
import { countdown } from "../timefmt.js";
import { logAction, queue } from "./outbox.js";
import { live, state, team } from "./page.js";
import { t } from "../i18n.js";

let steps = [];  // the checklist steps of this team, from the snapshot

export function setSteps(checklist) { steps = checklist; }

const entryOf = (stepId) => stepEntry(state, team.key, stepId);

/** Steps of this team that are overdue now. */
export function overdueCount() {
  return Object.values(state.steps[team.key] || {}).filter((s) => s.status === "overdue").length;
}

export function renderChecklist() {
  const now = live.elapsed();
  const phases = new Map();
  for (const step of steps) {
    const key = step.phase || "other";
    if (!phases.has(key)) phases.set(key, []);
    phases.get(key).push(step);
  }
  const queuedSteps = new Set(queue.filter((q) => q.step).map((q) => q.step));
  const blocks = [];
  for (const [phase, list] of phases) {
    blocks.push(el("h2", { class: "phase" }, phaseTitle(phase)));
    blocks.push(el("ul", { class: "steps" }, list.map((step) => {
      const entry = entryOf(step.id);
      const done = ["done", "late", "waived"].includes(entry.status);
      const queued = queuedSteps.has(step.id);
      const due = entry.status === "open" || entry.status === "overdue"
        ? el("span", { class: "due mono" }, dueText(entry, now)) : null;
      return el("li", { class: `step status-row-${entry.status}`, dataset: { step: step.id } },
        el("div", { class: "step-main" },
          el("div", { class: "step-line" },
            el("span", { class: `badge status-${entry.status}` }, queued ? label("action", "queued") : label("step", entry.status)),
            step.critical ? el("span", { class: "badge critical" }, t("Critical")) : null,
            step.mode === "any" ? el("span", { class: "badge joint", title: t("One team does it for all") },
              t("Joint: {agencies}", { agencies: step.agencies.join(", ") })) : null,
            entry.done_by && entry.done_by !== team.key
              ? el("span", { class: "badge" }, t("by {team}", { team: entry.done_by })) : null,
            entry.out_of_order ? el("span", { class: "badge status-late" }, t("Out of order")) : null,
            due),
          el("p", { class: "step-text" }, el("span", { class: "step-id mono" }, step.id), " ", step.text),
          ruleLine(state.rules[team.key]?.[step.id]),
          step.guidance ? el("details", {}, el("summary", {}, t("Guidance")), el("p", { class: "guidance" }, step.guidance)) : null),
        done || queued ? null : el("div", { class: "step-actions" },
          el("button", { class: "btn btn-ok", type: "button", "aria-label": t("Mark {step} done", { step: step.id }),
            onclick: () => logAction(step.id, "") }, t("Done")),
          el("button", { class: "btn btn-quiet btn-small", type: "button",
            "aria-label": t("Mark {step} done with a note", { step: step.id }),
            onclick: () => noteFor(step) }, t("+ note"))));
    })));
  }
  $("checklist").replaceChildren(...blocks);
  const score = state.scores[team.key];
  $("score-line").textContent = score === null || score === undefined ? "" : t("Team score so far: {score}%", { score: Math.round(score * 100) });
}

/** A step done by a zone on the map: its check now, with the reason (docs/zones.md). */
function ruleLine(verdict) {
  if (!verdict) return null;
  return el("p", { class: `rule-line ${verdict.ok ? "ok" : "bad"}` },
    el("span", { class: "verdict-sign", "aria-hidden": "true" }, verdict.ok ? "✔ " : "✘ "),
    el("span", { class: "sr-only" }, verdict.ok ? t("Map check holds:") : t("Map check not yet:"), " "), verdict.reason);
}

function dueText(entry, now) {
  const time = countdown(entry.due_at_s, now);
  return entry.status === "open" ? t("due {time}", { time }) : t("was due {time}", { time });
}

/** Refresh the countdowns in place (rebuilding would close the guidance a reader has open). */
export function updateCountdowns() {
  const now = live.elapsed();
  for (const node of document.querySelectorAll("[data-step] .due")) {
    node.textContent = dueText(entryOf(node.closest("[data-step]").dataset.step), now);
  }
}

function phaseTitle(key) {
  const title = label("phase.heading", key);
  return title === key ? key[0].toUpperCase() + key.slice(1) : title;
}

/** "+ note": the step is marked done with what the team writes in #note-dialog. */
function noteFor(step) {
  const dialog = $("note-dialog");
  $("note-step").textContent = `${step.id}: ${step.text}`;
  $("note-text").value = "";
  dialog.onclose = () => { if (dialog.returnValue === "ok") logAction(step.id, $("note-text").value.trim()); };
  dialog.showModal();
}
