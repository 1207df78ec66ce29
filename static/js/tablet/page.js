// What every part of the tablet shares: who is using it, the projection of what the team may
// see, the live connection, and the alert line.
import { $ } from "../dom.js";
import { Live } from "../live.js";
import { createState } from "../projection.js";

/** The participant this tablet joined as ({token, name, ...}, stored by the join page). */
export const me = JSON.parse(localStorage.getItem("cordon.participant") || "null");
if (!me?.token) location.replace("/join");

/** Local storage keys of this participant: the actions waiting to be sent, the injects read. */
export const storageKeys = {
  queue: `cordon.queue.${me.token.slice(0, 12)}`,
  read: `cordon.read.${me.token.slice(0, 12)}`,
};

export const state = createState();
export const team = { key: null, name: null };  // from the first snapshot
export let live = null;

/** Open the live connection; `handlers` are Live's onState, onEvent and onConnection. */
export function connect(handlers) {
  live = new Live({ token: me.token, ...handlers });
  return live;
}

let alertTimer = 0;
/** A short message over the page (the same line that says the tablet was signed out). */
export function alertBar(text) {
  const bar = $("revoked");
  bar.hidden = false;
  bar.textContent = text;
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => { bar.hidden = true; }, 6000);
}
