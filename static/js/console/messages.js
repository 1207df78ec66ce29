// Team messages: what teams wrote to control (unread until the panel is looked at), what
// control sent, and the form to write to a team or all.
import { $, el } from "../dom.js";
import { messagesNewestFirst } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { base, canControl, control, invalidate, state, teamName } from "./page.js";
import { t, tn } from "../i18n.js";

let readUpTo = 0;  // team messages up to this seq were seen

/** Messages up to `seq` count as read (those before the console was opened). */
export function markReadUpTo(seq) { readUpTo = seq; }

export function renderMessages() {
  const list = messagesNewestFirst(state);
  $("messages-empty").hidden = list.length > 0;
  $("messages").replaceChildren(...list.map((m) => {
    const fromTeam = m.to === "control";
    const unread = fromTeam && m.seq > readUpTo;
    return el("li", { class: `msg ${fromTeam ? "from-team" : "from-control"}${unread ? " unread" : ""}`,
      dataset: { seq: String(m.seq), team: fromTeam ? m.from.team : m.to } },
    el("div", { class: "msg-head" },
      el("span", { class: "time mono" }, clockTime(m.at_s)),
      el("strong", {}, fromTeam ? `${teamName(m.from.team)} · ${m.from.name}`
        : m.to === "all" ? t("Control → all teams") : t("Control → {team}", { team: teamName(m.to) })),
      fromTeam && canControl ? el("button", { type: "button", class: "btn btn-small btn-quiet",
        dataset: { action: "reply", team: m.from.team }, "aria-label": t("Reply to {team}", { team: teamName(m.from.team) }) }, t("Reply"))
        : null),
    el("p", {}, m.text));
  }));
  const unread = list.filter((m) => m.to === "control" && m.seq > readUpTo).length;
  $("unread-count").hidden = unread === 0;
  $("unread-count").textContent = tn("{n} new", "{n} new", unread);
}

function markRead() {
  const last = Math.max(0, ...Object.values(state.messages).map((m) => m.seq));
  if (last > readUpTo) {
    readUpTo = last;
    invalidate("messages");
  }
}

export function wireMessages() {
  document.querySelector(".messages-panel").addEventListener("click", markRead);
  document.querySelector(".messages-panel").addEventListener("focusin", markRead);
  if (!canControl) return;
  $("msg-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("msg-text").value.trim();
    if (!text) return;
    const sent = await control("POST", `${base}/messages`, { to: $("msg-to").value, text }, $("btn-send"));
    if (sent) $("msg-text").value = "";
  });
  $("messages").addEventListener("click", (e) => {
    const button = e.target.closest('[data-action="reply"]');
    if (!button) return;
    $("msg-to").value = button.dataset.team;
    $("msg-text").focus();
  });
}
