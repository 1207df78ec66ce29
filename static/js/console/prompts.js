// Contingency proposals waiting for the controller: a step went overdue, release or dismiss?
import { $, el } from "../dom.js";
import { openPrompts } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { canControl, state, teamName, toText } from "./page.js";

let promptsShown = "";
export function renderPrompts() {
  const list = openPrompts(state);
  const box = $("prompts");
  const key = list.map((p) => `${p.inject.id}|${p.inject.title}|${p.inject.to}`).join(",");
  if (key === promptsShown) return;  // an assertive live region: rebuild (and announce) only on change
  promptsShown = key;
  box.hidden = list.length === 0;
  box.replaceChildren(...list.map((p) => el("div", { class: "prompt", dataset: { prompt: p.inject.id } },
    el("div", { class: "prompt-text" },
      el("span", { class: "prompt-kicker" }, "Decision needed"),
      el("strong", {}, `${p.step} is overdue for ${teamName(p.team)}`),
      el("span", {}, ` (since ${clockTime(p.prompted_at_s)}). Proposed contingency inject `),
      el("span", { class: "mono" }, p.inject.id), " ",
      el("q", {}, p.inject.title), ` to ${toText(p.inject.to)}.`),
    canControl ? el("div", { class: "prompt-actions" },
      el("button", { type: "button", class: "btn btn-primary", dataset: { action: "release" } },
        `Release ${p.inject.id}`),
      el("button", { type: "button", class: "btn btn-quiet", dataset: { action: "dismiss" },
        "aria-label": `Dismiss ${p.inject.id}` }, "Dismiss"))
      : el("span", { class: "muted" }, "Waiting for the controller"))));
}
