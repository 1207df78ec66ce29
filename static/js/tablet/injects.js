// The team's injects, newest first: unread ones marked NEW until read or acknowledged.
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { clockTime } from "../timefmt.js";
import { acknowledgedSent, queueAck, waitingAcks } from "./outbox.js";
import { state, storageKeys, team } from "./page.js";
import { t } from "../i18n.js";

const read = new Set(JSON.parse(localStorage.getItem(storageKeys.read) || "[]"));  // inject ids opened here
export const isAcknowledged = (id) => acknowledgedSent.has(id) || waitingAcks().has(id)
  || state.injects[id]?.acks?.[team.key] !== undefined;

/** Injects neither acknowledged nor read on this tablet. */
/** The injects this team received, newest first. */
const received = () => Object.values(state.injects).filter((i) => i.status === "released")
  .sort((a, b) => (b.released_at_s ?? 0) - (a.released_at_s ?? 0));

export function unreadCount() {
  return received().filter((i) => !isAcknowledged(i.id) && !read.has(i.id)).length;
}

export function renderInjects(acknowledge) {
  const list = received();
  $("injects-empty").hidden = list.length > 0;
  $("injects").replaceChildren(...list.map((inject) => {
    const acked = isAcknowledged(inject.id);
    const unread = !acked && !read.has(inject.id);
    const body = el("div", { class: "inject-body" });
    body.innerHTML = inject.body_html;  // rendered by the server with raw HTML escaped
    return el("li", { class: `card inject${unread ? " unread" : ""}`, dataset: { inject: inject.id } },
      el("div", { class: "inject-head" },
        unread ? el("span", { class: "badge badge-new" }, t("NEW")) : null,
        el("span", { class: "badge channel" }, label("channel.tablet", inject.channel)),
        el("span", { class: "from" }, t("From: {sender}", { sender: inject.from || t("Control") })),
        el("span", { class: "time mono" }, clockTime(inject.released_at_s))),
      el("h3", {}, inject.title),
      body,
      acked
        ? el("p", { class: "acked" }, waitingAcks().has(inject.id) ? t("✓ Acknowledged (waiting to send)") : t("✓ Acknowledged"))
        : el("button", { class: "btn btn-primary btn-big", type: "button", onclick: () => acknowledge(inject.id) },
          inject.requires_ack ? t("Acknowledge") : t("Mark as read")));
  }));
}

/** Mark an inject read here and acknowledge it to the server, now or when the tablet is back
 * online (tablet/outbox.js); `then` redraws. */
export function acknowledgeInject(injectId, then) {
  read.add(injectId);
  localStorage.setItem(storageKeys.read, JSON.stringify([...read]));
  queueAck(injectId);
  then();
}

/** A new inject came in: a short buzz where the device can. */
export function buzz() {
  if (navigator.vibrate) navigator.vibrate(150);
}
