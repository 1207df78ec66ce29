// The clock panel: exercise time, status and what comes next; start, pause, resume, end, speed.
import { $, el, setText } from "../dom.js";
import { label } from "../labels.js";
import { mergeClock, nextInject } from "../projection.js";
import { clockTime, countdown } from "../timefmt.js";
import { confirmDialog } from "./confirm.js";
import { base, canControl, control, invalidate, live, page, state } from "./page.js";
import { t, tn, tParts } from "../i18n.js";

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
    $("speed-readout").textContent = t("Speed ×{speed}", { speed: live.clock.speed });
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
  if (status === "draft") {
    return canControl ? t("Teams can join now. Nothing is sent until you start.")
      : t("Teams can join now. Nothing is sent until the controller starts.");
  }
  if (status === "paused") {
    return canControl ? t("Clock frozen: nothing is sent until you resume.")
      : t("Clock frozen: nothing is sent until the controller resumes.");
  }
  if (status === "ended") return t("The exercise is over; the checklist results are final.");
  const next = nextInject(state);
  const speed = live.clock.speed !== 1 ? ` · ×${live.clock.speed}` : "";
  return next ? t("Next: {id} {countdown}{speed}", { id: next.id, countdown: countdown(next.at_s, now), speed })
    : t("No timed inject left{speed}", { speed });
}

/** When a pending inject goes out, as its row says it. */
export function releaseCountdown(atS, now) {
  const status = state.exercise.status;
  if (status === "draft") return atS <= 0 ? t("at start") : t("{time} after start", { time: clockTime(atS) });
  const text = atS - now <= 0 ? t("due now") : countdown(atS, now);
  return status === "paused" ? t("{countdown} (paused)", { countdown: text }) : text;
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
      title: t("Start the exercise?"),
      text: [el("p", {}, ...tParts(t("Start {name} at speed ×{speed}."), { name: el("strong", {}, name), speed: live.clock.speed })),
        first.length
          ? tn("{injects} is sent to the teams at once.", "{injects} are sent to the teams at once.", first.length,
            { injects: first.map((i) => i.id).join(", ") })
          : t("The clock starts at 0:00:00 and injects go out at their times.")],
      ok: t("Start now"),
    });
    if (ok) clockAction("start", button);
  });
  $("btn-pause").addEventListener("click", (e) => clockAction("pause", e.currentTarget));
  $("btn-resume").addEventListener("click", (e) => clockAction("resume", e.currentTarget));
  $("btn-end").addEventListener("click", async (e) => {
    const button = e.currentTarget;
    const ok = await confirmDialog({
      title: t("End the exercise for good?"),
      text: [el("p", {}, ...tParts(t("End {name} at {time}?"), { name: el("strong", {}, name), time: clockTime(live.elapsed()) })),
        t("The clock stops for good, no more injects go out, teams can no longer log actions, and overdue steps count as missed. This cannot be undone."),
        t("To stop for a while, use Pause instead.")],
      ok: t("End the exercise"), danger: true,
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
