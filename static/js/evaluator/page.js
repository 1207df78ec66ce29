// What every tab of the evaluator view shares: the page's data, the projection of the
// exercise, the live connection and the alert line.
import { $, el } from "../dom.js";
import { Live } from "../live.js";
import { createState } from "../projection.js";

export const page = JSON.parse($("evaluator-data").textContent);
export const base = `/exercises/${page.exercise_id}`;
export const objectivesById = new Map(page.objectives.map((o) => [o.id, o]));
export const state = createState({ teams: page.teams });
export let live = null;

/** Open the live connection; `handlers` are Live's onState, onEvent and onConnection. */
export function connect(handlers) {
  live = new Live({ exerciseId: page.exercise_id, ...handlers });
  return live;
}

export function teamName(key) { return page.teams.find((t) => t.key === key)?.name || key; }

export function showAlert(text) {
  const alert = $("eval-alert");
  alert.textContent = text;
  alert.hidden = !text;
}

/** Fill a select with the scenario's objectives, after an empty choice. */
export function objectiveOptions(select, empty) {
  select.replaceChildren(el("option", { value: "" }, empty),
    ...page.objectives.map((o) => el("option", { value: o.id }, `${o.id} · ${o.capability || o.text.slice(0, 60)}`)));
}
