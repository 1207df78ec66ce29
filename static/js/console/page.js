// What every part of the console shares: the page's data, the projection of the exercise, the
// live connection, the render loop, the alert line and the API calls behind the controls.
import { api, describe } from "../api.js";
import { $ } from "../dom.js";
import { t } from "../i18n.js";
import { Live } from "../live.js";
import { addressed, createState } from "../projection.js";

export const page = JSON.parse($("console-data").textContent);
export const canControl = page.can_control;
export const base = `/exercises/${page.exercise_id}`;
export const state = createState();
export let live = null;

/** Open the live connection; `handlers` are Live's onState, onEvent and onConnection. */
export function connect(handlers) {
  live = new Live({ exerciseId: page.exercise_id, ...handlers });
  return live;
}

/** The replay page's clock instead of a connection: `{elapsed(), clock}` for the panels. */
export function useClock(clock) { live = clock; }

// -- the render loop: parts are redrawn at the next frame, once however often they changed ----

const renderers = [];  // [part, render] in drawing order
const ticks = [];      // run after every redraw (the clock line)
const dirty = new Set();
let frame = 0;
let loaded = false;

/** Draw `render` when `part` (or "all") is invalidated. */
export function onRender(part, render) { renderers.push([part, render]); }

/** Run `tick` after every redraw. */
export function onTick(tick) { ticks.push(tick); }

/** The first snapshot arrived: from now on the console can draw. */
export function markLoaded() { loaded = true; }

export function invalidate(...parts) {
  for (const part of parts) dirty.add(part);
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  if (!loaded) return;
  const all = dirty.has("all");
  for (const [part, render] of renderers) if (all || dirty.has(part)) render();
  dirty.clear();
  for (const tick of ticks) tick();
}

// -- teams -----------------------------------------------------------------------------------

export const teamName = (key) => state.teams[key]?.name || key;
/** Team keys an inject goes to, among this exercise's teams. */
export const toTeams = (to) => addressed(state, to);
export const toText = (to) => (to === "all" ? t("all teams") : toTeams(to).map(teamName).join(", "));

// -- console -> server -----------------------------------------------------------------------

/** Call the API; errors go to the alert line. Returns the response or null. */
export async function control(method, path, body, button) {
  if (button) button.disabled = true;
  try {
    return await api(method, path, body);
  } catch (err) {
    showAlert(describe(err));
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

let alertTimer = 0;
export function showAlert(text) {
  const bar = $("console-alert");
  bar.textContent = text;
  bar.hidden = false;
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => { bar.hidden = true; }, 8000);
}

/** Draw the eye to a panel (by its class) that just got something new. */
export function flashPanel(cls) {
  const panel = document.querySelector(`.${cls}`);
  panel?.classList.remove("flash-new");
  void panel?.offsetWidth;  // restart the animation
  panel?.classList.add("flash-new");
}
