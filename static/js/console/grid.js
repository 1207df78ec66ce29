// The team × step grid: every team's status on every checklist step, and its score.
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { stepEntry, teamList } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { page, state } from "./page.js";
import { t } from "../i18n.js";

const LEGEND = ["done", "late", "open", "overdue", "missed", "waived", "pending"];

/** The steps some team of this exercise is responsible for, in checklist order. */
function gridSteps() {
  return page.steps.filter((s) => teamList(state).some((team) => s.agencies.includes(team.agency)));
}

export function renderGrid() {
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
      el("th", { scope: "col", rowspan: "2", class: "team-col" }, t("Team")),
      phases.map((p) => {
        const title = label("phase", p.phase);
        return el("th", { scope: "colgroup", colspan: String(p.count), class: "phase-start", title },
          p.count > 1 ? title : title.slice(0, 3));
      }),
      el("th", { scope: "col", rowspan: "2", class: "score-col" }, t("Score"))),
    el("tr", { class: "step-row" }, steps.map((s) => el("th", {
      scope: "col", class: `${starts.has(s.id) ? "phase-start" : ""}${s.critical ? " critical" : ""}`,
      title: s.critical ? t("{step} (critical): {text}", { step: s.id, text: s.text }) : `${s.id}: ${s.text}`,
      dataset: { step: s.id },
    }, el("span", {}, s.id)))));
  const body = el("tbody", {}, teamList(state).map((team) => el("tr", { dataset: { team: team.key } },
    el("th", { scope: "row", class: "team-col", title: `${team.name} (${team.agency})` }, team.name),
    steps.map((s) => gridCell(team, s, starts.has(s.id))),
    el("td", { class: "score mono" }, scoreText(state.scores[team.key])))));
  $("grid").replaceChildren(head, body);
  if (!$("grid-legend").childElementCount) {
    $("grid-legend").replaceChildren(...LEGEND.map((s) =>
      el("span", { class: "legend-item" }, el("span", { class: `cell-swatch cell-${s}` }, label("step.letter", s)),
        ` ${label("step.legend", s)}`)));
  }
}

function gridCell(team, step, phaseStart) {
  const cls = phaseStart ? "phase-start" : "";
  if (!step.agencies.includes(team.agency)) {
    return el("td", { class: `cell cell-na ${cls}` }, el("span", { class: "sr-only" }, t("not this team's step")));
  }
  const entry = stepEntry(state, team.key, step.id);
  const text = cellText(team, step, entry);
  return el("td", {
    class: `cell cell-${entry.status} ${cls}`, title: text,
    dataset: { team: team.key, step: step.id, status: entry.status },
  }, el("span", { "aria-hidden": "true" }, label("step.letter", entry.status), entry.out_of_order ? "*" : ""),
  el("span", { class: "sr-only" }, text));
}

function cellText(team, step, entry) {
  const parts = [`${step.id} · ${team.name}: ${label("step", entry.status)}`];
  if (entry.out_of_order) parts.push(t("out of order"));
  if (entry.due_at_s !== null && entry.due_at_s !== undefined) parts.push(t("due {time}", { time: clockTime(entry.due_at_s) }));
  if (entry.done_at_s !== null && entry.done_at_s !== undefined) {
    const time = clockTime(entry.done_at_s);
    parts.push(entry.done_by ? t("done {time} by {name}", { time, name: entry.done_by }) : t("done {time}", { time }));
  }
  if (entry.waiver_reason) parts.push(t("waived: {reason}", { reason: entry.waiver_reason }));
  return `${parts.join(" · ")}\n${step.text}`;
}

const scoreText = (score) => (score === null || score === undefined ? "—" : `${Math.round(score * 100)}%`);

function showCell(cell) {
  if (cell?.dataset.step && cell.dataset.team) $("grid-detail").textContent = cell.title.replace("\n", " — ");
}

export function wireGrid() {
  $("grid").addEventListener("click", (e) => showCell(e.target.closest("td.cell")));
  $("grid").addEventListener("mouseover", (e) => showCell(e.target.closest("td.cell")));
}
