// Actions logged on the tablet wait here, in IndexedDB (tablet/store.js) with the client_id made
// on the tablet, until the server accepts them; they are resent in order after a drop, a reload or
// a restart of the browser (the server's idempotency on client_id makes a resend harmless).
import { mergeAction } from "../projection.js";
import { live, me, state, storageKeys } from "./page.js";
import { dropOutbox, outboxItems, putOutbox } from "./store.js";
import { t } from "../i18n.js";

/** What waits to be sent, oldest first (kept across reloads): actions `{client_id, step, text,
 * queued_at}`, and acknowledgements `{kind: "ack", inject_id}` and messages to control
 * `{kind: "message", text}` (each with its client_id and queued_at). */
export const queue = [];
/** What this tablet logged that the server has not accepted (yet): client_id -> {..., state: queued|refused, reason}. */
export const unsent = new Map();

let onChange = () => {};
/** Call `render` whenever the queue changes. */
export function onOutboxChange(render) { onChange = render; }

/** Load what waits from the device (after tablet/store.js opened it); the local-storage queue of an
 * older version of the page is moved over once. */
export async function loadOutbox() {
  const older = JSON.parse(localStorage.getItem(storageKeys.queue) || "[]");
  for (const item of older) await putOutbox(item);
  localStorage.removeItem(storageKeys.queue);
  const items = await outboxItems();
  const known = new Set(queue.map((item) => item.client_id));
  for (const item of items) {
    if (known.has(item.client_id)) continue;
    queue.push(item);
    if (!item.kind) unsent.set(item.client_id, { ...item, state: "queued", by: me.name });
  }
  queue.sort((a, b) => a.queued_at - b.queued_at);
  onChange();
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
    const r = (crypto.getRandomValues(new Uint8Array(1))[0] & 15);
    return (c === "x" ? r : (r & 3) | 8).toString(16);
  });
}

/** Log an action (a step done, or a free text); it is sent now or as soon as the tablet is online. */
export function logAction(step, text) {
  const item = { client_id: uuid(), step: step || null, text: text || "", queued_at: Date.now() };
  queue.push(item);
  putOutbox(item);
  unsent.set(item.client_id, { ...item, state: "queued", by: me.name });
  onChange();
  flushQueue();
}

/** Acknowledge an inject (harmless twice) or write to control: now, or as soon as the tablet is online. */
export function queueAck(injectId) {
  if (queue.some((q) => q.kind === "ack" && q.inject_id === injectId)) return;
  enqueue({ kind: "ack", inject_id: injectId });
}

export function queueMessage(text) {
  enqueue({ kind: "message", text });
}

function enqueue(fields) {
  const item = { client_id: uuid(), queued_at: Date.now(), ...fields };
  queue.push(item);
  putOutbox(item);
  onChange();
  flushQueue();
}

/** Injects whose acknowledgement the server took (its event may not have come back yet). */
export const acknowledgedSent = new Set();

/** Acknowledgements and messages waiting: for the injects and messages panes. */
export const waitingAcks = () => new Set(queue.filter((q) => q.kind === "ack").map((q) => q.inject_id));
export const waitingMessages = () => queue.filter((q) => q.kind === "message");
export const waitingActions = () => queue.filter((q) => !q.kind);

function send(item) {
  if (item.kind === "ack") return live.call("ack_inject", { inject_id: item.inject_id });
  if (item.kind === "message") return live.call("message", { to: "control", text: item.text, client_id: item.client_id });
  const payload = { client_id: item.client_id, text: item.text || null };
  if (item.step) payload.step = item.step;
  return live.call("log_action", payload);
}

let flushing = false;
/** Send what waits, oldest first; stop at the first answer that says "try again later". */
export async function flushQueue() {
  if (flushing || !live?.connected) return;
  flushing = true;
  try {
    while (queue.length && live.connected) {
      const item = queue[0];
      const ack = await send(item);
      if (!ack.ok && ["offline", "timeout", "internal"].includes(ack.error.code)) break;  // try again later
      queue.shift();
      await dropOutbox(item.client_id);
      if (item.kind) {
        if (!ack.ok) refusedElsewhere(item, ack.error.message);
        else if (item.kind === "ack") acknowledgedSent.add(item.inject_id);  // until its event comes back
        continue;
      }
      const action = unsent.get(item.client_id) || item;  // (an action)
      if (ack.ok) {
        unsent.delete(item.client_id);
        mergeAction(state, { client_id: action.client_id, step: action.step, text: action.text, by: action.by, seq: ack.seq });
      } else {
        unsent.set(item.client_id, { ...action, state: "refused", reason: ack.error.message });
      }
    }
  } finally {
    flushing = false;
    onChange();
  }
}

let onRefused = () => {};
/** Call `show(text)` when a queued acknowledgement or message is refused (the inject was withdrawn...). */
export function onOutboxRefused(show) { onRefused = show; }

function refusedElsewhere(item, reason) {
  onRefused(item.kind === "ack" ? t("The acknowledgement was not taken: {reason}", { reason })
    : t("A message was not sent: {reason}", { reason }));
}
