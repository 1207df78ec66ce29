// The live connection: one Socket.IO client, the exercise clock, and catch-up after reconnects.
// Every server message is an event envelope {seq, type, exercise_time_s, wall_time, team, data};
// live delivery and `sync` feed the same handler, and events already seen are ignored.
import { io } from "/static/vendor/socket.io.esm.min.js";
import { t } from "./i18n.js";

const CATCH_UP_MS = 15000;

export class Live {
  constructor({ token = null, exerciseId = null, onState, onEvent, onConnection }) {
    this.token = token;
    this.exerciseId = exerciseId;      // staff watch this exercise; participants are placed by the server
    this.lastSeq = 0;
    this.clock = { status: "draft", elapsed_s: 0, speed: 1, at: performance.now() };
    this.onState = onState || (() => {});
    this.onEvent = onEvent || (() => {});
    this.onConnection = onConnection || (() => {});
    this.socket = io({
      auth: token ? { token } : {},
      transports: ["websocket", "polling"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    this.socket.on("connect", () => this._connected());
    this.socket.on("disconnect", () => this.onConnection("offline"));
    this.socket.on("connect_error", (err) => this.onConnection("offline", err));
    this.socket.on("state", (state) => this._state(state));
    this.socket.on("event", (ev) => this._event(ev));
    this.socket.on("revoked", (msg) => { this.socket.disconnect(); this.onConnection("revoked", msg); });
    // When the device says the network is gone, stop waiting on a dead socket; reconnect when it is back.
    window.addEventListener("offline", () => { if (this.socket.connected) this.socket.disconnect(); this.onConnection("offline"); });
    window.addEventListener("online", () => { if (!this.socket.connected) this.socket.connect(); });
    // A live event can be lost without the socket dropping (the server's message queue
    // restarting); a team cannot see such a gap, so every client also catches up now and then.
    setInterval(() => { if (this.socket.connected && this.lastSeq > 0) this.sync(this.lastSeq); }, CATCH_UP_MS);
  }

  async _connected() {
    this.onConnection("online");
    if (this.exerciseId !== null) {
      const ack = await this.call("watch", { exercise_id: this.exerciseId });
      if (!ack.ok) this.onConnection("error", ack.error);
    }
  }

  _state(state) {
    const seen = this.lastSeq;
    this.setClock(state.exercise.clock);
    this.onState(state);
    // The snapshot is current as of its last_seq; anything missed before it comes through sync.
    if (seen > 0 && state.exercise.last_seq > seen) this.sync(seen);
    this.lastSeq = Math.max(this.lastSeq, state.exercise.last_seq);
  }

  _event(ev) {
    if (ev.seq <= this.lastSeq) return;
    if (this.exerciseId !== null && ev.seq > this.lastSeq + 1 && this.lastSeq > 0) {
      // Staff see every event, so a gap means something was missed: fetch it first, in order.
      // (A team's stream skips the seqs of staff-only events; it catches up at reconnect.)
      this.sync(this.lastSeq).then(() => this._event(ev));
      return;
    }
    this.lastSeq = ev.seq;
    if (ev.data?.clock) this.setClock(ev.data.clock);
    this.onEvent(ev);
  }

  async sync(since) {
    const ack = await this.call("sync", { since });
    if (!ack.ok) return;
    for (const ev of ack.events) {
      if (ev.seq > this.lastSeq) {
        this.lastSeq = ev.seq;
        if (ev.data?.clock) this.setClock(ev.data.clock);
        this.onEvent(ev);
      }
    }
  }

  /** Replay every event this client may see, from the start (a tablet rebuilding its feed). */
  async replay() {
    const ack = await this.call("sync", { since: 0 });
    if (!ack.ok) return false;
    for (const ev of ack.events) {
      this.lastSeq = Math.max(this.lastSeq, ev.seq);
      this.onEvent(ev, { replay: true });
    }
    return true;
  }

  setClock(clock) {
    this.clock = { ...clock, at: performance.now() };
  }

  /** Exercise time now, extrapolated between server updates. */
  elapsed() {
    const c = this.clock;
    if (c.status !== "running") return c.elapsed_s;
    return c.elapsed_s + ((performance.now() - c.at) / 1000) * c.speed;
  }

  get connected() { return this.socket.connected; }

  /** Emit with an ack; resolves {ok:false, error:{code:"offline"}} when not connected or no answer. */
  call(event, payload, timeoutMs = 8000) {
    return new Promise((resolve) => {
      if (!this.socket.connected) {
        resolve({ ok: false, error: { code: "offline", message: "not connected" } });
        return;
      }
      this.socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
        resolve(err ? { ok: false, error: { code: "timeout", message: t("no answer from the server") } } : ack);
      });
    });
  }
}
