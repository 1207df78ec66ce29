// The replay page: any moment of an exercise, drawn by the console's own panels (static/js/console/*)
// from the state projected at that moment (static/js/replay/player.js), a scrubber with the marks
// of what happened, play at 1×–60×, a team's lens, the hot wash, and "branch from here".
//
// Deep links: ?t=0:35:00 (the moment), &team=fire (a team's lens), &mode=hotwash (the projector).
//
// Stable hooks for browser tests (besides the console's: #clock, #msel li[data-inject][data-status],
// #grid td[data-team][data-step][data-status], #feed > li[data-seq][data-type], #messages > li):
//   #replay-bar[data-seq][data-moment][data-playing="true|false"][data-lens][data-ready="true"]
//   #scrubber-range (input range, exercise seconds), #btn-play, #btn-prev, #btn-next, #replay-speed,
//   #goto-form (#goto-time), #lens (select: "" or a team key), #lens-panel #lens-injects > li[data-inject],
//   #btn-hotwash, #hotwash-panel (#hotwash-form: #hotwash-text, #hotwash-team, #hotwash-tag),
//   #hotwash-observations > li[data-observation], #btn-branch opens #branch-dialog (#branch-name,
//   #branch-carry, #branch-ok)
// Playback marks each frame as a "replay-frame" performance mark (bench/replay_playback.py reads them).
import { describe } from "./api.js";
import { renderControls, tick } from "./console/clock.js";
import { renderFeed } from "./console/feed.js";
import { renderGrid, wireGrid } from "./console/grid.js";
import { renderInjects, wireInjects } from "./console/injects.js";
import { markReadUpTo, renderMessages } from "./console/messages.js";
import { invalidate, markLoaded, onRender, onTick, page, state, teamName, useClock } from "./console/page.js";
import { renderPrompts } from "./console/prompts.js";
import { $ } from "./dom.js";
import { wireBranch } from "./replay/branch.js";
import { loadObservations, renderHotwash, wireHotwash } from "./replay/hotwash.js";
import { renderLens } from "./replay/lens.js";
import { Player } from "./replay/player.js";
import { Scrubber } from "./replay/scrubber.js";
import { clockTime, readDuration } from "./timefmt.js";
import { t } from "./i18n.js";

const bar = $("replay-bar");
const params = new URLSearchParams(location.search);
let hotwash = params.get("mode") === "hotwash";

// While playing, the clock and the scrubber move every frame; the panels are redrawn a few times
// a second (at 60x, 1/8 s is 7.5 s of exercise time), so a long exercise plays smoothly.
const PANEL_INTERVAL_MS = 125;
const pending = new Set();
let panelsDrawnAt = 0;
let panelTimer = 0;

function changed(parts) {
  if (!player.playing) {
    pending.clear();
    invalidate(...parts);
    return;
  }
  for (const part of parts) pending.add(part);
  invalidate("clock");
  const wait = panelsDrawnAt + PANEL_INTERVAL_MS - performance.now();
  if (wait <= 0) drawPanels();
  else if (!panelTimer) panelTimer = setTimeout(drawPanels, wait);
}

function drawPanels() {
  clearTimeout(panelTimer);
  panelTimer = 0;
  panelsDrawnAt = performance.now();
  if (pending.size) invalidate(...pending);
  pending.clear();
}

const player = new Player({
  exerciseId: page.exercise_id, state, onChange: changed,
  onError: (err) => showAlert(t("Cannot show this moment: {value}", { value: describe(err) })),
});
player.speed = Number($("replay-speed").value);
useClock({ elapsed: () => player.moment, get clock() { return state.exercise.clock; }, setClock() {} });
markReadUpTo(Number.MAX_SAFE_INTEGER);  // nothing is "new" in a replay

const scrubber = new Scrubber({ exerciseId: page.exercise_id, onScrub: scrub });

/** A panel's drawing, measured while playing ("replay-draw-<part>" in the Performance API). */
const measured = (part, draw) => () => {
  if (!player.playing) return draw();
  const start = performance.now();
  draw();
  return performance.measure(`replay-draw-${part}`, { start, end: performance.now() });
};
onRender("controls", measured("controls", renderControls));
onRender("injects", measured("injects", renderInjects));
onRender("prompts", measured("prompts", renderPrompts));
onRender("grid", measured("grid", renderGrid));
onRender("feed", measured("feed", renderFeed));
onRender("messages", measured("messages", renderMessages));
onRender("lens", measured("lens", () => { if (player.lens) renderLens(state, player.lens); }));
onRender("hotwash", measured("hotwash", drawHotwash));
onRender("clock", measured("clock", drawBar));
onTick(measured("tick", tick));
wireInjects();
wireGrid();

// -- the moment ------------------------------------------------------------------------------

function drawBar() {
  $("replay-time").textContent = clockTime(player.moment);
  $("replay-where").textContent = t("event {seq} of {last}", { seq: player.seq, last: player.lastSeq });
  scrubber.show(player.moment);
  Object.assign(bar.dataset, { seq: String(player.seq), moment: String(Math.round(player.moment * 1000) / 1000),
    playing: String(player.playing), lens: player.lens || "" });
  $("btn-play").textContent = player.playing ? t("❚❚ Pause") : t("▶ Play");
  $("btn-play").setAttribute("aria-pressed", String(player.playing));
  if (hotwash) drawHotwash();
}

let hotwashKey = "";
function drawHotwash() {
  if (!hotwash) return;
  const key = `${Math.floor(player.moment)}`;
  if (key === hotwashKey && !player.playing) return;
  hotwashKey = key;
  renderHotwash(player.moment, teamName);
}

async function show(moment) {
  $("console").setAttribute("aria-busy", "true");
  const shown = await player.jump(moment);
  $("console").setAttribute("aria-busy", "false");
  if (!shown) return;
  $("replay-alert").hidden = true;
  markLoaded();
  hotwashKey = "";
  invalidate("all");
  remember();
}

/** The address bar says where we are, so the link can be shared. */
function remember() {
  const query = new URLSearchParams({ t: clockTime(player.moment) });
  if (player.lens) query.set("team", player.lens);
  if (hotwash) query.set("mode", "hotwash");
  history.replaceState(null, "", `?${query}`);
}

let scrubTimer = 0;
function scrub(atS, final) {
  player.pause();
  player.moment = atS;
  invalidate("clock");
  clearTimeout(scrubTimer);
  scrubTimer = setTimeout(() => show({ at_s: atS }), final ? 0 : 120);
}

function showAlert(text) {
  $("replay-alert").textContent = text;
  $("replay-alert").hidden = false;
}

// -- controls --------------------------------------------------------------------------------

$("btn-play").addEventListener("click", () => {
  if (player.playing) {
    player.pause();
    drawPanels();
    remember();
  } else {
    player.play(Number($("replay-speed").value));
  }
  invalidate("clock");
});
$("replay-speed").addEventListener("change", () => { player.speed = Number($("replay-speed").value); });
$("btn-next").addEventListener("click", async () => { await player.stepForward(); remember(); });
$("btn-prev").addEventListener("click", async () => {
  if (await player.stepBack()) {
    invalidate("all");
    remember();
  }
});
$("goto-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const seconds = readDuration($("goto-time").value);
  if (seconds === null) return showAlert(t("Write the time as 0:35:00, 35:00 or 35m."));
  player.pause();
  return show({ at_s: seconds });
});

$("lens").addEventListener("change", async () => {
  player.pause();
  await setLens($("lens").value || null);
  await show({ at_s: player.moment });
});

async function setLens(team) {
  player.lens = team;
  document.body.classList.toggle("lens", Boolean(team));
  $("lens-panel").hidden = !team;
  $("lens-note").hidden = !team;
  if (team) {
    const name = page.teams.find((t) => t.key === team)?.name || team;
    $("lens-note").textContent = t("What {name}'s tablet had at this moment: only what was sent to {name}.", { name });
  }
  const timeline = await scrubber.load(team);
  player.endS = Math.max(player.endS, timeline.end_s);
}

$("btn-hotwash").addEventListener("click", async () => {
  await setHotwash(!hotwash);
  remember();
});

async function setHotwash(on) {
  hotwash = on;
  document.body.classList.toggle("hotwash", on);
  $("hotwash-panel").hidden = !on;
  $("btn-hotwash").setAttribute("aria-pressed", String(on));
  if (on) {
    await loadObservations(page.exercise_id);
    hotwashKey = "";
    drawHotwash();
  }
  requestAnimationFrame(() => scrubber.draw());  // the bar's width changed with the type size
}

wireHotwash(page.exercise_id, () => player.moment, () => { hotwashKey = ""; drawHotwash(); });
wireBranch(page, () => ({ atS: player.moment }));

// -- the start: the moment of the link, else the start of the exercise ------------------------

async function start() {
  const team = params.get("team");
  if (team && page.teams.some((t) => t.key === team)) $("lens").value = team;
  await setLens($("lens").value || null);
  if (hotwash) await setHotwash(true);
  const moment = params.get("t");
  await show(moment ? { t: moment } : { at_s: page.start_s });
  bar.dataset.ready = "true";
}

start().catch((err) => showAlert(t("Cannot open the replay: {value}", { value: describe(err) })));
