// The clock panel: exercise time, status and what comes next; start, pause, resume, end, speed.
import { $, el, setText } from "../dom.js";
import { label } from "../labels.js";
import { mergeClock, nextInject } from "../projection.js";
import { clockTime, countdown } from "../timefmt.js";
import { confirmDialog } from "./confirm.js";
import { base, canControl, control, invalidate, live, page, state } from "./page.js";

export function renderControls() {
  const status = state.exercise.status;
  document.title = `${status === "paused" ? `${label("clock", "paused").toLocaleUpperCase()} · ` : ""}${state.exercise.name} · Cordon`;
  $("console").dataset.status = status;
  $("clock-panel").dataset.status = status;
  if (canControl) {
    $("btn-start").hidden = status !== "draft";
    $("btn-pause").hidden = status !== "running";
    $("btn-resume").hidden = status !== "paused";
    $("btn-end").hidden = !["running", "paused"].includes(status);
    const speed = $("speed");
    const current = String(live.clock.speed);
    if (![...speed.options].some((o) => o.value === current)) {
      speed.append(el("option", { value: current }, `×${current}`));
    }
    if (document.activeElement !== speed) speed.value = current;
    speed.disabled = status === "ended";
    $("btn-adhoc").hidden = status === "ended";  // the server refuses both once ended
    $("msg-form").hidden = status === "ended";
  } else {
    $("speed-readout").textContent = `Speed ×${live.clock.speed}`;
  }
}

/** The clock line, every 250 ms: exercise time extrapolated between server updates. */
export function tick() {
  if (!live) return;
  const now = live.elapsed();
  setText($("clock"), clockTime(now));
  const status = state.exercise.status;
  setText($("clock-status"), label("clock", status));  // a live region: announce changes only
  $("clock-status").className = `clock-status clock-${status}`;
  setText($("clock-detail"), clockDetail(status, now));
  for (const node of document.querySelectorAll("[data-countdown]")) {
    node.textContent = releaseCountdown(Number(node.dataset.countdown), now);
  }
}

function clockDetail(status, now) {
  const who = canControl ? "you" : "the controller";
  if (status === "draft") return `Teams can join now. Nothing is sent until ${who} start${canControl ? "" : "s"}.`;
  if (status === "paused") return `Clock frozen: nothing is sent until ${who} resume${canControl ? "" : "s"}.`;
  if (status === "ended") return "The exercise is over; the checklist results are final.";
  const next = nextInject(state);
  const speed = live.clock.speed !== 1 ? ` · ×${live.clock.speed}` : "";
  return next ? `Next: ${next.id} ${countdown(next.at_s, now)}${speed}` : `No timed inject left${speed}`;
}

/** When a pending inject goes out, as its row says it. */
export function releaseCountdown(atS, now) {
  const status = state.exercise.status;
  if (status === "draft") return atS <= 0 ? "at start" : `${clockTime(atS)} after start`;
  const text = atS - now <= 0 ? "due now" : countdown(atS, now);
  return status === "paused" ? `${text} (paused)` : text;
}

async function clockAction(action, button) {
  const ex = await control("POST", `${base}/${action}`, undefined, button);
  if (ex) {
    live.setClock(ex.clock);
    mergeClock(state, ex.clock);
    invalidate("all");
  }
}

/** The controller's clock buttons and speed select. */
export function wireClockControls() {
  const name = page.name;
  $("btn-start").addEventListener("click", async (e) => {
    const button = e.currentTarget;
    const first = Object.values(state.injects).filter((i) => i.status === "pending" && i.at_s === 0);
    const ok = await confirmDialog({
      title: "Start the exercise?",
      text: [el("p", {}, "Start ", el("strong", {}, name), ` at speed ×${live.clock.speed}.`),
        first.length
          ? `${first.map((i) => i.id).join(", ")} ${first.length > 1 ? "are" : "is"} sent to the teams at once.`
          : "The clock starts at 0:00:00 and injects go out at their times."],
      ok: "Start now",
    });
    if (ok) clockAction("start", button);
  });
  $("btn-pause").addEventListener("click", (e) => clockAction("pause", e.currentTarget));
  $("btn-resume").addEventListener("click", (e) => clockAction("resume", e.currentTarget));
  $("btn-end").addEventListener("click", async (e) => {
    const button = e.currentTarget;
    const ok = await confirmDialog({
      title: "End the exercise for good?",
      text: [el("p", {}, "End ", el("strong", {}, name), ` at ${clockTime(live.elapsed())}?`),
        "The clock stops for good, no more injects go out, teams can no longer log actions, "
          + "and overdue steps count as missed. This cannot be undone.",
        "To stop for a while, use Pause instead."],
      ok: "End the exercise", danger: true,
    });
    if (ok) clockAction("end", button);
  });
  $("speed").addEventListener("change", async (e) => {
    const speed = Number(e.target.value);
    const ex = await control("PATCH", base, { speed }, e.target);
    if (ex) {
      live.setClock(ex.clock);
      mergeClock(state, ex.clock);
    }
    invalidate("controls");
  });
}
