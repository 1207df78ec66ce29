// The team's action log: what it logged (accepted, waiting to be sent, or refused), newest first.
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { clockTime } from "../timefmt.js";
import { logAction, unsent } from "./outbox.js";
import { state } from "./page.js";
import { t } from "../i18n.js";

const BADGE = { queued: "status-held", refused: "status-overdue", sent: "status-done" };

export function renderActions() {
  const sent = Object.values(state.actions).map((a) => ({ ...a, state: "sent" }));
  const waiting = [...unsent.values()].filter((a) => !state.actions[a.client_id]);
  const list = [...sent, ...waiting].sort((a, b) => (b.seq ?? Infinity) - (a.seq ?? Infinity));
  $("actions").replaceChildren(...list.map((a) => el("li", { class: `card action action-${a.state}` },
    el("div", { class: "inject-head" },
      el("span", { class: `badge ${BADGE[a.state]}` }, label("action", a.state)),
      a.step ? el("span", { class: "badge" }, a.step) : null,
      el("span", { class: "from" }, a.by || ""),
      el("span", { class: "time mono" }, a.exercise_time_s !== undefined ? clockTime(a.exercise_time_s) : "")),
    el("p", {}, a.text || (a.step ? t("{step} done", { step: a.step }) : "")),
    a.reason ? el("p", { class: "field-error" }, a.reason) : null)));
}

export function wireLog() {
  $("log-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("log-text").value.trim();
    if (!text) return;
    logAction(null, text);
    $("log-text").value = "";
  });
}
