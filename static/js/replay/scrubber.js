// The scrubber: the exercise from start to end, a mark for each thing that happened (in lanes by
// kind), and a slider for the moment. Marks are drawn on a canvas once per exercise or lens, so a
// long exercise's thousands of marks cost nothing while the moment moves.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { clockTime } from "../timefmt.js";
import { t } from "../i18n.js";

// Lanes, top to bottom: which marker types go in each, and the CSS colour they are drawn with.
const LANES = [
  { types: ["inject.released", "inject.added", "inject.held", "inject.skipped"], color: "--brand" },
  { types: ["inject.acknowledged"], color: "--ok" },
  { types: ["step.status", "step.waived"], color: "--warn" },
  { types: ["contingency.prompt", "contingency.dismissed", "dose.alarm", "dose.guidance_reached"], color: "--bad" },
  { types: ["message", "observation", "measurement.taken"], color: "--info" },
  { types: ["exercise.started", "exercise.paused", "exercise.resumed", "exercise.speed", "exercise.ended",
    "zone.drawn", "zone.changed", "zone.removed"], color: "--ink" },
];
const LANE_OF = new Map(LANES.flatMap((lane, index) => lane.types.map((type) => [type, index])));
const BAD_STEPS = new Set(["overdue", "missed", "late"]);

export class Scrubber {
  /** `onScrub(at_s, final)`: the slider moved (final: released, or a key). */
  constructor({ exerciseId, onScrub }) {
    this.exerciseId = exerciseId;
    this.onScrub = onScrub;
    this.markers = [];
    this.startS = 0;
    this.endS = 1;
    this.range = $("scrubber-range");
    this.canvas = $("scrubber-marks");
    this.range.addEventListener("input", () => this.onScrub(Number(this.range.value), false));
    this.range.addEventListener("change", () => this.onScrub(Number(this.range.value), true));
    this.canvas.addEventListener("click", (e) => this.onScrub(this.timeAt(e.offsetX), true));
    this.canvas.addEventListener("mousemove", (e) => { this.canvas.title = this.describe(this.timeAt(e.offsetX)); });
    new ResizeObserver(() => this.draw()).observe(this.canvas);
    this.legend();
  }

  /** Read the markers of the exercise (for a lens, of what the team was sent) and draw them. */
  async load(lens) {
    const query = lens ? `?team=${encodeURIComponent(lens)}` : "";
    const timeline = await api("GET", `/exercises/${this.exerciseId}/timeline${query}`);
    this.markers = timeline.markers;
    this.startS = timeline.start_s;
    this.setEnd(timeline.end_s);
    this.draw();
    return timeline;
  }

  setEnd(endS) {
    this.endS = Math.max(endS, this.startS + 1);
    this.range.min = String(Math.floor(this.startS));
    this.range.max = String(Math.ceil(this.endS));
  }

  /** Put the slider at the moment (without calling onScrub). */
  show(atS) {
    this.range.value = String(Math.round(atS));
    this.range.setAttribute("aria-valuetext", clockTime(atS));
  }

  timeAt(x) {
    return this.startS + (x / Math.max(this.canvas.clientWidth, 1)) * (this.endS - this.startS);
  }

  /** The marks nearest a moment, as a tooltip. */
  describe(atS) {
    const near = this.markers.filter((m) => Math.abs(m.at_s - atS) <= (this.endS - this.startS) / 200).slice(0, 6);
    return [clockTime(atS), ...near.map((m) => `${clockTime(m.at_s)} ${label("event", m.type)}: ${m.label}`)].join("\n");
  }

  draw() {
    const { canvas } = this;
    const width = canvas.clientWidth;
    if (!width) return;
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(canvas.clientHeight * scale);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.clearRect(0, 0, width, canvas.clientHeight);
    const styles = getComputedStyle(document.documentElement);
    const lane = canvas.clientHeight / LANES.length;
    const span = this.endS - this.startS;
    for (const [index, { color }] of LANES.entries()) {
      ctx.fillStyle = styles.getPropertyValue(color).trim() || "#000";
      for (const m of this.markers) {
        if (LANE_OF.get(m.type) !== index) continue;
        const x = Math.round(((m.at_s - this.startS) / span) * (width - 1));
        const bad = m.type === "step.status" && BAD_STEPS.has(m.label.split(" ").at(-1));
        ctx.globalAlpha = m.type === "step.status" && !bad ? 0.45 : 1;
        ctx.fillRect(x, index * lane + 1, bad ? 2 : 1, lane - 2);
      }
    }
    ctx.globalAlpha = 1;
  }

  legend() {
    const names = [t("Injects"), t("Acknowledgements"), t("Checklist steps"), t("Contingencies and alerts"), t("Messages and observations"),
      t("Clock")];
    $("scrubber-legend").replaceChildren(...LANES.map((laneSpec, index) => el("span", { class: "legend-item" },
      el("span", { class: `lane-swatch lane-${index}` }), ` ${names[index]}`)));
  }
}
