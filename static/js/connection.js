// The connection badge in a page's top bar: online, offline (with the actions waiting to be
// sent), signed out, or not watching (the server refused to follow the exercise). Every page
// with a live connection shows it the same way; staff pages word it for staff.
import { label } from "./labels.js";

export const CONNECTION_STATES = ["connecting", "online", "offline", "revoked", "error"];

export class ConnectionBadge {
  /** `node`: the badge element (#conn); `audience`: "team" or "staff". */
  constructor(node, { audience = "team" } = {}) {
    this.node = node;
    this.kind = audience === "staff" ? "connection.staff" : "connection";
    this.state = "connecting";
    this.waiting = 0;
    this.since = null;  // when the connection was lost (exercise time, as text)
  }

  /** When the connection was lost (shown while offline), or null. */
  setSince(text) {
    this.since = text;
  }

  /** Show a state of the connection (one of CONNECTION_STATES; any other counts as offline). */
  show(state) {
    this.state = CONNECTION_STATES.includes(state) ? state : "offline";
    this.render();
  }

  /** How many actions wait on this device to be sent; shown while offline. */
  setWaiting(count) {
    this.waiting = count;
    if (this.state === "offline") this.render();
  }

  render() {
    let key = this.state === "offline" && this.waiting ? "waiting" : this.state;
    if (this.state === "offline" && this.since && this.kind === "connection") key += "-since";
    this.node.textContent = label(this.kind, key, { n: this.waiting, since: this.since });
    this.node.className = `conn ${this.state === "online" ? "conn-online" : this.state === "connecting" ? "" : "conn-offline"}`.trim();
  }
}
