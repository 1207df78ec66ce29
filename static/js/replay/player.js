// The replay's moment: the projected state at any moment, and playback from there.
//
// A jump asks the server for the state at a moment (`/state`, folded from the event log by the
// engine's projection; for a team lens, what that team was sent) and for the events just before
// it (the feed). Playback then reads the events that follow (`/events`, a team's own for a lens)
// a chunk ahead and folds them with the page's projection (static/js/projection.js) as the
// moment passes their exercise time: at any speed, the state shown is the log up to the moment.
// Only the last FEED events, actions and messages are kept: a page shows those, and folding an
// hour of a long exercise must not grow the page without bound.
import { api } from "../api.js";
import { apply, createState } from "../projection.js";

export const FEED = 150;     // events, actions and messages kept for the panels
const CHUNK = 2000;          // events read ahead per request while playing
const LOW_WATER = 600;       // read the next chunk when fewer are buffered
const IDLE_RECHECK_MS = 5000; // at the end of a running exercise's log, look for new events this often

export class Player {
  /**
   * `state`: the page's projection state (filled in place); `onChange(parts)`: what to redraw
   * after a jump ("all") or after events were folded (the parts they touch).
   */
  constructor({ exerciseId, state, onChange, onError }) {
    this.exerciseId = exerciseId;
    this.state = state;
    this.onChange = onChange;
    this.onError = onError;
    this.lens = null;
    this.moment = 0;      // exercise seconds shown
    this.endS = 0;        // where the log ends (the clock, while the exercise runs)
    this.lastSeq = 0;     // the log's last seq
    this.buffer = [];     // events after the state, not yet folded, in seq order
    this.readTo = 0;      // the last seq asked for (buffered or folded)
    this.exhaustedAt = 0; // when a read found nothing more
    this.reading = null;
    this.jumping = null;
    this.generation = 0;  // a newer jump makes older answers stale
    this.playing = false;
    this.speed = 10;
    this.frames = null;   // playback frame statistics (Performance API), see stats()
  }

  get seq() { return this.state.seq; }

  // -- jumping --------------------------------------------------------------------------------

  /** Show the moment `{t}` (a time string), `{at_s}` or `{seq}`; none: the end. */
  async jump(moment = {}) {
    const generation = ++this.generation;
    const query = new URLSearchParams({ recent: String(FEED) });
    for (const [key, value] of Object.entries(moment)) if (value !== undefined && value !== null) query.set(key, value);
    if (this.lens) query.set("team", this.lens);
    const base = `/exercises/${this.exerciseId}`;
    const work = (async () => {
      const projected = await api("GET", `${base}/state?${query}`);
      const feed = await this.eventsBefore(projected.seq, projected.last_seq);
      if (generation !== this.generation) return false;  // a later jump won
      this.load(projected, feed);
      return true;
    })();
    this.jumping = work;
    try {
      return await work;
    } catch (err) {
      if (generation === this.generation) this.onError?.(err);
      return false;
    } finally {
      if (this.jumping === work) this.jumping = null;
    }
  }

  /** The events of the feed: the last FEED ones up to `seq` (for a lens, those the team was sent). */
  async eventsBefore(seq, lastSeq) {
    if (seq === 0) return [];
    const query = new URLSearchParams();
    if (this.lens) {
      // A team was sent a share of the log: look further back, keep what is at or before the moment.
      query.set("since", String(Math.max(0, seq - FEED * 10)));
      query.set("limit", String(Math.min(10000, FEED * 10)));
      query.set("team", this.lens);
    } else {
      query.set("since", String(Math.max(0, seq - FEED)));
      query.set("limit", String(FEED));
    }
    const events = await api("GET", `/exercises/${this.exerciseId}/events?${query}`);
    return events.filter((ev) => ev.seq <= seq).slice(-FEED);
  }

  /** Put a projected state (the server's answer) in the page's state, in place. */
  load(projected, feed) {
    const { at_s: atS, last_seq: lastSeq, end_s: endS, totals, ...fields } = projected;
    const fresh = createState();
    for (const key of Object.keys(this.state)) delete this.state[key];
    Object.assign(this.state, fresh, fields, { events: {}, versions: {}, tablets: {}, timelines: {} });
    if (this.lens) {
      // A tablet knows its own team: the panels show that team's row, ticks and messages only.
      this.state.teams = { [this.lens]: fields.teams[this.lens] };
    }
    for (const ev of feed) this.state.events[ev.seq] = ev;
    this.totals = totals;
    this.moment = atS;
    this.endS = endS;
    this.lastSeq = lastSeq;
    this.buffer = [];
    this.readTo = this.state.seq;  // for a lens, the last event the team was sent: the next ones come after it
    this.exhaustedAt = 0;
    this.onChange?.(["all"]);
  }

  // -- stepping and playing -------------------------------------------------------------------

  /** One event forward (for a lens, the next one the team was sent). */
  async stepForward() {
    this.pause();
    if (!this.buffer.length) await this.readAhead(true);
    const ev = this.buffer.shift();
    if (!ev) return false;
    this.moment = Math.max(this.moment, ev.exercise_time_s ?? 0);
    this.onChange?.(["clock", ...this.fold([ev])]);
    return true;
  }

  /** One event back: the state before the last event folded. */
  async stepBack() {
    this.pause();
    if (this.seq <= 0) return false;
    return this.jump({ seq: this.seq - 1 });
  }

  play(speed = this.speed) {
    this.speed = speed;
    if (this.playing) return;
    if (this.moment >= this.endS && this.state.exercise.status === "ended") return;
    this.playing = true;
    this.frames = { first: null, last: null, count: 0, longest: 0, slow: 0 };
    performance.clearMarks("replay-frame");
    performance.clearMeasures();
    let previous = null;
    const frame = (now) => {
      if (!this.playing) return;
      if (previous !== null) this.advance(((now - previous) / 1000) * this.speed);
      this.countFrame(now, previous);
      previous = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() { this.playing = false; }

  /** Move the moment on by `seconds` of exercise time, folding the events it passes. */
  advance(seconds) {
    if (this.jumping) return;
    let target = Math.min(this.moment + seconds, this.endS);
    // Never run ahead of the events read so far: wait for the next chunk instead.
    if (!this.buffer.length && this.reading) target = this.moment;
    const passed = [];
    while (this.buffer.length && (this.buffer[0].exercise_time_s ?? 0) <= target) passed.push(this.buffer.shift());
    this.moment = target;
    const parts = passed.length ? this.fold(passed) : [];
    this.onChange?.(["clock", ...parts]);
    if (this.buffer.length < LOW_WATER) this.readAhead();
    if (this.moment >= this.endS && !this.buffer.length && !this.reading
        && this.state.exercise.status === "ended") this.pause();
  }

  /** Fold events into the state; the panels they touch. */
  fold(events) {
    const parts = new Set(["feed"]);
    for (const ev of events) {
      apply(this.state, ev);
      for (const part of PARTS[ev.type] || PARTS[ev.type.split(".")[0]] || []) parts.add(part);
    }
    this.trim();
    return [...parts];
  }

  /** Keep the last FEED events, actions and messages (what the panels show). */
  trim() {
    const { state } = this;
    const seqs = Object.keys(state.events);
    if (seqs.length > FEED * 1.2) {
      seqs.map(Number).sort((a, b) => a - b).slice(0, seqs.length - FEED).forEach((seq) => { delete state.events[seq]; });
    }
    if (state.messages.length > FEED * 1.2) state.messages.splice(0, state.messages.length - FEED);
    const actions = Object.keys(state.actions);
    if (actions.length > FEED * 1.2) actions.slice(0, actions.length - FEED).forEach((key) => { delete state.actions[key]; });
    state.timelines = {};
  }

  /** Read the next chunk of events after those read (`force`: even right after an empty read). */
  readAhead(force = false) {
    if (this.reading) return this.reading;
    if (!force && this.exhaustedAt && performance.now() - this.exhaustedAt < IDLE_RECHECK_MS) return null;
    const generation = this.generation;
    const query = new URLSearchParams({ since: String(this.readTo), limit: String(CHUNK) });
    if (this.lens) query.set("team", this.lens);
    this.reading = api("GET", `/exercises/${this.exerciseId}/events?${query}`).then((events) => {
      if (generation !== this.generation) return;
      if (events.length) {
        this.buffer.push(...events);
        this.readTo = events.at(-1).seq;
        this.lastSeq = Math.max(this.lastSeq, this.readTo);
        this.endS = Math.max(this.endS, events.at(-1).exercise_time_s ?? 0);
      }
      this.exhaustedAt = events.length < CHUNK ? performance.now() : 0;
    }).catch((err) => this.onError?.(err)).finally(() => { this.reading = null; });
    return this.reading;
  }

  // -- frames (the Performance API) -----------------------------------------------------------

  countFrame(now, previous) {
    performance.mark("replay-frame", { startTime: now });
    const f = this.frames;
    f.first ??= now;
    f.last = now;
    f.count += 1;
    if (previous !== null) {
      const gap = now - previous;
      f.longest = Math.max(f.longest, gap);
      if (gap > 1000 / 30) f.slow += 1;
    }
  }

  /** Frames per second of the last playback, its longest frame and how many frames took longer than 1/30 s. */
  stats() {
    const f = this.frames;
    if (!f || f.count < 2) return null;
    const seconds = (f.last - f.first) / 1000;
    return { frames: f.count, seconds, fps: (f.count - 1) / seconds, longest_ms: f.longest, slow_frames: f.slow };
  }
}

// What an event touches, by type (or by the first part of its type).
const PARTS = {
  exercise: ["controls"],
  inject: ["injects", "controls"],
  "inject.acknowledged": ["injects", "lens"],
  "inject.released": ["injects", "controls", "lens"],
  contingency: ["prompts", "injects"],
  step: ["grid"],
  message: ["messages"],
  observation: ["hotwash"],
};
