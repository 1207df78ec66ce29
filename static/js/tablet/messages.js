// Messages between the team and exercise control, newest first, and the form to write to control.
import { $, el } from "../dom.js";
import { messagesNewestFirst } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { queueMessage, waitingMessages } from "./outbox.js";
import { me, state } from "./page.js";
import { t } from "../i18n.js";

export function renderMessages() {
  const waiting = waitingMessages().reverse().map((m) => el("li", { class: "card message mine queued" },
    el("div", { class: "inject-head" }, el("strong", {}, t("{name} → Control", { name: me.name })),
      el("span", { class: "badge status-held" }, t("Waiting to send"))),
    el("p", {}, m.text)));
  $("messages").replaceChildren(...waiting, ...messagesNewestFirst(state).map((m) => el("li", { class: `card message ${m.to === "control" ? "mine" : "theirs"}` },
    el("div", { class: "inject-head" },
      el("strong", {}, m.to === "control" ? t("{name} → Control", { name: m.from.name })
        : m.to === "all" ? t("Control → all teams") : t("Control → your team")),
      el("span", { class: "time mono" }, clockTime(m.at_s))),
    el("p", {}, m.text))));
}

export function wireMessages() {
  $("msg-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("msg-text").value.trim();
    if (!text) return;
    queueMessage(text);  // sent now, or when the tablet is back online
    $("msg-text").value = "";
  });
}
