// Contingency proposals waiting for the controller: a step went overdue, release or dismiss?
import { $, el } from "../dom.js";
import { openPrompts } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { canControl, state, teamName, toText } from "./page.js";
import { t, tParts } from "../i18n.js";

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
      el("span", { class: "prompt-kicker" }, t("Decision needed")),
      ...tParts(t("{overdue} (since {time}). Proposed contingency inject {id} {title} to {teams}."), {
        overdue: el("strong", {}, t("{step} is overdue for {team}", { step: p.step, team: teamName(p.team) })),
        time: clockTime(p.prompted_at_s),
        id: el("span", { class: "mono" }, p.inject.id),
        title: el("q", {}, p.inject.title),
        teams: toText(p.inject.to),
      })),
    canControl ? el("div", { class: "prompt-actions" },
      el("button", { type: "button", class: "btn btn-primary", dataset: { action: "release" } },
        t("Release {id}", { id: p.inject.id })),
      el("button", { type: "button", class: "btn btn-quiet", dataset: { action: "dismiss" },
        "aria-label": t("Dismiss {id}", { id: p.inject.id }) }, t("Dismiss")))
      : el("span", { class: "muted" }, t("Waiting for the controller")))));
}
