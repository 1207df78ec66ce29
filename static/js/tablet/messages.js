// Messages between the team and exercise control, newest first, and the form to write to control.
import { $, el } from "../dom.js";
import { messagesNewestFirst } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { alertBar, live, state } from "./page.js";

export function renderMessages() {
  $("messages").replaceChildren(...messagesNewestFirst(state).map((m) => el("li", { class: `card message ${m.to === "control" ? "mine" : "theirs"}` },
    el("div", { class: "inject-head" },
      el("strong", {}, m.to === "control" ? `${m.from.name} → Control` : `Control → ${m.to === "all" ? "all teams" : "your team"}`),
      el("span", { class: "time mono" }, clockTime(m.at_s))),
    el("p", {}, m.text))));
}

export function wireMessages() {
  $("msg-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("msg-text").value.trim();
    if (!text) return;
    const ack = await live.call("message", { to: "control", text });
    if (ack.ok) $("msg-text").value = "";
    else alertBar(ack.error.code === "offline" ? "Not connected: your message was not sent yet." : ack.error.message);
  });
}
