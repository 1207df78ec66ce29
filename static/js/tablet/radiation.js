// The tablet's radiological panel on the Map tab (docs/radiation.md): the team's responders on the
// site, moved with a tap; the team's instruments, read with one big button; a big read-out; and
// the personal dosimeters' alarms, which sound, vibrate and stay on a banner until seen.
//
// Moves and readings go through the live connection (`move_responder`, `take_reading`); the
// server logs them and answers with where the responder is and what the instrument shows. A team
// is never told where a source is: it learns the field only by measuring it.
import { $, el } from "../dom.js";
import { clockTime } from "../timefmt.js";
import { alertBar, live, me, state, team } from "./page.js";
import { t } from "../i18n.js";

let picture = null;  // GET /responders: the team's responders with dose, its instruments, measurements
let selected = null;  // responder id
let moving = false;  // the next tap on the map sends the selected responder there
let refreshTimer = 0;
let map = null;

/** Start the panel on `siteMap` (a SiteMap that has loaded). */
export async function startRadiation(siteMap) {
  map = siteMap;
  map.onTap((point) => { if (moving) sendMove({ to: point }); });
  $("rad-panel").hidden = false;
  $("move-here").addEventListener("click", () => setMoving(!moving));
  $("move-stop").addEventListener("click", () => sendMove({ stop: true }));
  $("take-reading").addEventListener("click", takeReading);
  $("instrument").addEventListener("change", () => showReadout(null));
  await refresh();
}

/** Ask the server again for the responders (positions, doses); again soon while one walks. */
export async function refresh() {
  clearTimeout(refreshTimer);
  if (!map || !state.exercise_id) return;
  try {
    const response = await fetch(`/api/v1/exercises/${state.exercise_id}/responders`,
      { headers: { Authorization: `Bearer ${me.token}`, Accept: "application/json" } });
    if (response.ok) picture = await response.json();
  } catch { /* offline: keep what we had */ }
  render();
  const anyMoving = picture?.responders.some((r) => r.moving);
  refreshTimer = setTimeout(refresh, anyMoving ? 2000 : 10000);
}

function setMoving(on) {
  moving = on && Boolean(selected);
  $("move-here").setAttribute("aria-pressed", String(moving));
  $("move-here").textContent = moving ? t("Tap the map where to go… (cancel)") : t("Move…");
  $("rad-hint").textContent = moving ? t("Tap the map where {name} should go.", { name: nameOf(selected) }) : "";
  if (moving) $("site-map").scrollIntoView({ block: "start" });
}

const nameOf = (id) => picture?.responders.find((r) => r.id === id)?.name || id;

async function sendMove(order) {
  if (!selected) return;
  setMoving(false);
  const vehicle = $("move-vehicle").checked;
  const payload = { responder: selected, ...order, ...(order.to && vehicle ? { mode: "vehicle" } : {}),
    client_id: `move-${Date.now()}-${Math.random().toString(36).slice(2, 10)}` };
  const ack = await live.call("move_responder", payload);
  if (!ack.ok) { alertBar(ack.error.message); return; }
  $("rad-hint").textContent = order.stop ? t("{name} stopped.", { name: ack.name })
    : ack.moving ? t("{name} is on the way · arrives at {time}.", { name: ack.name, time: clockTime(ack.arrives_at_s) })
      : t("{name} is on the way.", { name: ack.name });
  refresh();
}

async function takeReading() {
  const instrument = $("instrument").value;
  if (!selected || !instrument) return;
  $("take-reading").disabled = true;
  try {
    const ack = await live.call("take_reading", { responder: selected, instrument,
      client_id: `read-${Date.now()}-${Math.random().toString(36).slice(2, 10)}` });
    if (!ack.ok) { alertBar(ack.error.message); return; }
    showReadout(ack);
  } finally {
    setTimeout(() => { $("take-reading").disabled = false; }, 1000);  // a meter updates about once a second
  }
}

/** The big read-out: value and unit as the instrument shows them, over range and alarm in words. */
function showReadout(measurement) {
  const box = $("readout");
  if (!measurement) { box.replaceChildren(el("span", { class: "muted" }, t("Take a reading."))); box.className = "readout"; return; }
  const r = measurement.reading;
  const flags = [r.over_range ? t("OVER RANGE") : null, r.alarm ? t("ALARM") : null].filter(Boolean);
  box.className = `readout${r.alarm || r.over_range ? " readout-alarm" : ""}`;
  const shown = r.value === null || r.value === undefined ? r.display : `${r.display}`;
  box.replaceChildren(
    el("div", { class: "readout-value", "aria-live": "assertive" }, shown),
    el("div", { class: "readout-meta" }, `${measurement.name || ""} · ${label(measurement.kind)} · ${clockTime(measurement.exercise_time_s)}`),
    ...(flags.length ? [el("div", { class: "readout-flags" }, flags.join(" · "))] : []));
}

const KINDS = { "survey-meter": t("Survey meter"), "personal-dosimeter": t("Personal dosimeter"),
  "contamination-monitor": t("Contamination monitor"), identifier: t("Nuclide identifier") };
const label = (kind) => KINDS[kind] || kind;

function render() {
  if (!picture) return;
  const responders = picture.responders;
  if (!selected || !responders.some((r) => r.id === selected)) selected = responders[0]?.id || null;
  // While moving, a tap on a marker is a tap on the map there (the command post where the others stand).
  map.showResponders(responders, { selected, onSelect: (id, point) => {
    if (moving) sendMove({ to: point }); else { selected = id; render(); }
  } });
  map.showMeasurements(picture.measurements.slice(-30));
  $("responder-list").replaceChildren(...responders.map((r) => el("button", {
    type: "button", class: `responder${r.id === selected ? " selected" : ""}${r.alarming ? " alarming" : ""}`,
    "aria-pressed": String(r.id === selected), onclick: () => { selected = r.id; render(); },
  }, el("strong", {}, r.name), el("span", {}, doseText(r)), r.alarming ? el("span", { class: "alarm-word" }, t("ALARM")) : null)));
  const usable = picture.instruments.filter((i) => !i.worn_by || i.worn_by === selected);
  const select = $("instrument");
  const before = select.value;
  select.replaceChildren(...usable.map((i) => el("option", { value: i.id },
    `${i.worn_by ? t("{instrument} (worn)", { instrument: label(i.kind) }) : label(i.kind)} · ${i.id.split("/")[1]}`)));
  if (usable.some((i) => i.id === before)) select.value = before;
  $("move-stop").disabled = !responders.find((r) => r.id === selected)?.moving;
}

/** A dose as a dosimeter writes it: µSv to two decimals below 10, mSv from 1000 µSv. */
export function doseWords(uSv) {
  if (uSv >= 1000) return `${(uSv / 1000).toPrecision(3)} mSv`;
  return t("{value} µSv", { value: uSv < 10 ? uSv.toFixed(2) : uSv.toFixed(1) });
}

function doseText(r) {
  const dose = doseWords(r.dose_uSv);
  const share = r.fraction != null
    ? ` · ${t("{percent} % of {limit} mSv", { percent: Math.round(r.fraction * 100), limit: r.limit_mSv })}` : "";
  return `${dose}${share}${r.moving ? ` · ${t("walking")}` : ""}`;
}

// -- alarms ------------------------------------------------------------------------------------------

let audio = null;
/** Sound a short two-tone alarm (where the browser allows sound), vibrate, and show the banner. */
function sound() {
  try {
    audio ||= new (window.AudioContext || window.webkitAudioContext)();
    for (const [i, f] of [[0, 1760], [1, 1320], [2, 1760]]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = f;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + i * 0.2);
      osc.stop(audio.currentTime + i * 0.2 + 0.18);
    }
  } catch { /* no sound here: the banner and vibration remain */ }
  if (navigator.vibrate) navigator.vibrate([300, 100, 300, 100, 300]);
}

/** A live dose alarm or guidance event for this team: banner, sound and vibration. */
export function onDoseEvent(ev) {
  if (ev.team !== team.key && ev.data?.team !== team.key) return;
  const d = ev.data;
  const text = ev.type === "dose.alarm"
    ? `${d.name}: ${alarmWords(d)}`
    : t("{name}: {percent} % of the dose guidance ({limit} mSv, {task})",
      { name: d.name, percent: Math.round(d.fraction * 100), limit: d.limit_mSv, task: d.task });
  const banner = $("dose-banner");
  const off = ev.type === "dose.alarm" && d.alarm === "off";
  banner.hidden = false;
  banner.className = `dose-banner${off ? " dose-banner-clear" : ""}`;
  $("dose-banner-text").textContent = `${off ? "✓" : "⚠"} ${text} · ${clockTime(ev.exercise_time_s)}`;
  if (!off) sound();
  refresh();
}

/** A dosimeter alarm in words, from the event's codes (the log holds no words of any language). */
function alarmWords(d) {
  if (d.kind !== "rate") return t("dose alarm ({value} reached)", { value: doseWords(d.threshold) });
  const value = d.threshold >= 1000 ? t("{value} mSv/h", { value: (d.threshold / 1000).toPrecision(3) }) : t("{threshold} µSv/h", { threshold: d.threshold });
  if (d.alarm === "off") return t("dose rate alarm cleared ({value})", { value });
  if (d.alarm === "brief") return t("brief dose rate alarm ({value})", { value });
  return t("dose rate alarm ({value})", { value });
}

export function wireDoseBanner() {
  $("dose-banner-seen").addEventListener("click", () => { $("dose-banner").hidden = true; });
}
