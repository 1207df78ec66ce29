// The radiological picture on the console's site map (docs/radiation.md): the simulated field as a
// colour overlay on a log scale with labelled isolines at 0.3 µSv/h, 100 µSv/h and 100 mSv/h, the
// sources as they are now, every responder with its track, every measurement, dosimeter alarms where
// they sounded, and the dose board. A controller changes a source live, after a confirmation.
//
// Colour is never the only signal: isolines carry their value, sources their id and nuclide,
// responders their initials, alarms a ⚠ and the board says the same in words.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { initials } from "../map/sitemap.js";
import { clockTime } from "../timefmt.js";
import { confirmDialog } from "./confirm.js";
import { canControl, page, showAlert, state, teamName } from "./page.js";
import { t } from "../i18n.js";

const L = window.L;
let map = null;
let field = null;  // GET /field
let board = [];  // GET /doses
let layers = null;
let refreshTimer = 0;
let picking = null;  // a source whose new position the next click on the map gives

/** Start on the console's SiteMap once it has loaded; nothing happens without a radiation block. */
export async function startRadiation(siteMap) {
  map = siteMap;
  try {
    field = await api("GET", `/exercises/${page.exercise_id}/field`);
  } catch {
    return;  // a site without radiation: zones only
  }
  layers = {
    field: L.layerGroup().addTo(map.map), isolines: L.layerGroup().addTo(map.map),
    sources: L.layerGroup().addTo(map.map), tracks: L.layerGroup().addTo(map.map),
    measurements: L.layerGroup().addTo(map.map), alarms: L.layerGroup().addTo(map.map),
    responders: L.layerGroup().addTo(map.map),
  };
  $("rad-console").hidden = false;
  $("show-field").addEventListener("change", drawField);
  map.map.on("click", (e) => { if (picking) pickedPosition([round(e.latlng.lng), round(e.latlng.lat)]); });
  if (canControl) wireSourceForm();
  drawField();
  await refresh();
}

const round = (v) => Math.round(v * 10) / 10;

/** Fetch the dose board and the field again (the field is cached on the server per minute). */
export async function refresh({ fieldToo = false } = {}) {
  clearTimeout(refreshTimer);
  if (!layers || !$("map-dialog").open) return;
  try {
    const requests = [api("GET", `/exercises/${page.exercise_id}/doses`)];
    if (fieldToo) requests.push(api("GET", `/exercises/${page.exercise_id}/field`));
    const [doses, newField] = await Promise.all(requests);
    board = doses;
    if (newField) { field = newField; drawField(); }
  } catch (err) {
    showAlert(err.message);
  }
  render();
  refreshTimer = setTimeout(() => refresh({ fieldToo: true }), 5000);
}

// -- the field -----------------------------------------------------------------------------------

// Colours by log10(µSv/h): below 0.3 µSv/h nothing; yellow, orange, red, purple towards 100 mSv/h and above.
const RAMP = [[-0.52, [253, 224, 71]], [1, [251, 146, 60]], [2, [220, 38, 38]], [5, [88, 28, 135]]];

function colourAt(log) {
  if (log < RAMP[0][0]) return null;
  for (let i = 1; i < RAMP.length; i++) {
    const [x1, c1] = RAMP[i];
    const [x0, c0] = RAMP[i - 1];
    if (log <= x1) return c0.map((c, k) => Math.round(c + (c1[k] - c) * (log - x0) / (x1 - x0)));
  }
  return RAMP[RAMP.length - 1][1];
}

function drawField() {
  layers.field.clearLayers();
  layers.isolines.clearLayers();
  if (!$("show-field").checked || !field) return;
  const [rows, cols] = field.shape;
  const [lo, hi] = field.log_range;
  const bytes = Uint8Array.from(atob(field.grid), (c) => c.charCodeAt(0));
  const canvas = document.createElement("canvas");
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const colour = colourAt(lo + (bytes[r * cols + c] / 255) * (hi - lo));
      const at = ((rows - 1 - r) * cols + c) * 4;  // row 0 is south; the canvas's row 0 is its top
      if (!colour) continue;
      image.data.set([...colour, 150], at);
    }
  }
  ctx.putImageData(image, 0, 0);
  const [minX, minY, maxX, maxY] = field.bounds;
  L.imageOverlay(canvas.toDataURL(), [[minY, minX], [maxY, maxX]], { interactive: false, alt: t("Simulated dose rate") })
    .addTo(layers.field);
  for (const feature of field.isolines.features) {
    const lines = feature.geometry.coordinates.map((line) => line.map(([x, y]) => [y, x]));
    if (!lines.length) continue;
    L.polyline(lines, { color: "#111", weight: 1.5, dashArray: feature.properties.level_usv_h >= 1e5 ? null : "6 4",
      interactive: false }).addTo(layers.isolines);
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a));
    L.tooltip({ permanent: true, direction: "center", className: "map-label isoline-label" })
      .setLatLng(longest[Math.floor(longest.length / 2)]).setContent(feature.properties.label).addTo(layers.isolines);
  }
  $("field-legend").textContent = t("Field at {time} · highest {rate}",
    { time: clockTime(field.field_time_s), rate: rateWords(field.max_uSv_h) });
}

/** A rate in words: µSv/h below 1000, mSv/h from there. */
export function rateWords(uSvh) {
  if (uSvh >= 1e6) return `${(uSvh / 1e6).toPrecision(3)} Sv/h`;
  if (uSvh >= 1000) return `${(uSvh / 1000).toPrecision(3)} mSv/h`;
  return `${uSvh.toPrecision(3)} µSv/h`;
}

function doseWords(uSv) {
  if (uSv >= 1000) return `${(uSv / 1000).toPrecision(3)} mSv`;
  return `${uSv < 10 ? uSv.toFixed(2) : uSv.toFixed(1)} µSv`;
}

// -- sources, responders, tracks, measurements, alarms ------------------------------------------------

/** Draw what the state and the last board hold (called on every event). */
export function render() {
  if (!layers) return;
  layers.sources.clearLayers();
  for (const s of field?.sources || []) {
    const source = s.active ? `${s.id} ${s.nuclide}` : t("{source} (not on the scene now)", { source: `${s.id} ${s.nuclide}` });
    const tooltip = s.shield ? t("{source}, in {thickness} cm {material}", { source, thickness: s.shield[1] * 100, material: s.shield[0] })
      : source;
    L.marker([s.at[1], s.at[0]], { icon: L.divIcon({ className: `source-icon${s.active ? "" : " source-off"}`,
      html: "☢", iconSize: [26, 26] }), keyboard: false })
      .bindTooltip(tooltip, { permanent: true, direction: "right", className: "map-label" })
      .addTo(layers.sources);
  }
  layers.tracks.clearLayers();
  for (const [responder, moves] of Object.entries(state.moves || {})) {
    // The walked track: where each order started, then where the responder is (or the path it finished).
    const points = moves.map((m) => m.from);
    const last = moves[moves.length - 1];
    const row = board.find((r) => r.id === responder);
    if (last.kind === "move") points.push(...(row?.moving ? [row.at] : last.path));
    L.polyline(points.map(([x, y]) => [y, x]), { color: "#1d4ed8", weight: 2, opacity: 0.8, interactive: false })
      .addTo(layers.tracks);
  }
  map.showResponders(board, { colour: "#1d4ed8" });
  layers.measurements.clearLayers();
  for (const m of state.measurements || []) {
    L.rectangle([[m.at[1] - 3, m.at[0] - 3], [m.at[1] + 3, m.at[0] + 3]], { color: "#7c2d12", weight: 2, fillOpacity: 0.7 })
      .bindTooltip(`${m.name} · ${m.reading?.display} · ${clockTime(m.at_s)}`, { direction: "top" })
      .addTo(layers.measurements);
  }
  layers.alarms.clearLayers();
  for (const a of (state.dose_alarms || []).filter((a) => a.alarm !== "off" && a.at)) {
    L.circleMarker([a.at[1], a.at[0]], { radius: 16, color: "#b3261e", weight: 3, fill: false })
      .bindTooltip(`⚠ ${a.name}: ${a.display} · ${clockTime(a.at_s)}`, { direction: "bottom" }).addTo(layers.alarms);
  }
  renderBoard();
  renderSourceList();
}

function renderBoard() {
  $("dose-board").replaceChildren(el("table", { class: "dose-board" },
    el("thead", {}, el("tr", {}, [t("Responder"), t("Dose · rate"), t("Guidance")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, board.map((r) => el("tr", { class: r.alarming ? "alarming" : "", dataset: { responder: r.id } },
      el("td", {}, `${r.alarming ? "⚠ " : ""}${r.name} (${initials(r.name)})`,
        r.name === teamName(r.team) ? null : [el("br"), el("span", { class: "muted" }, teamName(r.team))]),
      el("td", { class: "num" }, doseWords(r.dose_uSv), el("br"), el("span", { class: "muted" }, rateWords(r.rate_uSv_h))),
      el("td", { class: "num" }, ...(r.limit_mSv
        ? [t("{percent} % of {limit} mSv", { percent: Math.round((r.fraction || 0) * 100), limit: r.limit_mSv }), el("br"),
          el("span", { class: "muted" }, t("{dose} mSv left", { dose: r.remaining_mSv.toFixed(1) }))]
        : [t("occupational limits")])))))));
}

// -- a controller changes a source -----------------------------------------------------------------

function wireSourceForm() {
  $("source-form").hidden = false;
  $("source-action").addEventListener("change", showSourceFields);
  $("source-apply").addEventListener("click", applySourceChange);
  showSourceFields();
}

function renderSourceList() {
  const select = $("source-id");
  if (!select) return;
  const before = select.value;
  select.replaceChildren(...(field?.sources || []).map((s) => el("option", { value: s.id }, `${s.id} ${s.nuclide}`)));
  if (before) select.value = before;
}

function showSourceFields() {
  const action = $("source-action").value;
  $("source-shield-fields").hidden = action !== "shield";
  $("source-activity-fields").hidden = action !== "activity";
  $("source-hint").textContent = action === "move" ? t("Apply, then click the map where the source goes.") : "";
}

async function applySourceChange() {
  const source = $("source-id").value;
  const action = $("source-action").value;
  if (action === "move") {
    picking = source;
    $("source-hint").textContent = t("Click the map where {source} goes.", { source });
    return;
  }
  const body = { source };
  if (action === "shield") body.shield = { material: $("source-material").value, thickness_m: Number($("source-thickness").value) / 100 };
  if (action === "unshield") body.shield = null;
  if (action === "activity") body.activity_bq = Number($("source-activity").value) * 1e9;
  if (action === "remove") body.removed = true;
  if (action === "restore") body.removed = false;
  await sendSourceChange(body, `${$("source-action").selectedOptions[0].textContent} ${source}`);
}

function pickedPosition(point) {
  const source = picking;
  picking = null;
  sendSourceChange({ source, moved_to: point }, t("Move {source} to [{position}] m", { source, position: point.join(", ") }));
}

async function sendSourceChange(body, what) {
  const ok = await confirmDialog({ title: t("Change a source now?"), ok: t("Change it"),
    text: t("{change}. Every reading and dose from now on follows; teams are told nothing by it. It is logged as source.changed.",
      { change: what }) });
  if (!ok) return;
  try {
    await api("POST", `/exercises/${page.exercise_id}/sources/changes`, { ...body, note: $("source-note").value.trim() || undefined });
    $("source-hint").textContent = t("{change}: done.", { change: what });
    await refresh({ fieldToo: true });
  } catch (err) {
    showAlert(err.fields ? `${err.message}` : err.message);
  }
}
