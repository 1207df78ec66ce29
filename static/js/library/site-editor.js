// The scenario editor's map (docs/authoring.md): upload a site plan, calibrate its scale with two
// points and a known distance, set where site (0, 0) is, place named places and sources, draw
// shields and contaminated areas, and see the field's isolines as you edit.
//
// The map is in the plan image's pixels (Leaflet's flat CRS: lat = -row, lng = column); the
// document keeps site metres (x east, y north) as the content format does. When the scale or the
// origin changes, everything already placed stays where it is on the image (its metres are
// worked out again), so nothing drawn is lost by calibrating late.
import { api, describe } from "../api.js";
import { el } from "../dom.js";
import { $, debounce } from "./editor-core.js";
import { t, tn } from "../i18n.js";

const L = window.L;
// The nuclides of the field model, as the content names them (not translated: they are values).
const NUCLIDES = ["Cs-137", "Co-60", "Ir-192", "Am-241", "Se-75", "I-131", "Tc-99m", "K-40", "Ra-226"];
const DEPOSIT_NUCLIDES = [...NUCLIDES, t("Sr-90")];
const MATERIALS = ["concrete", "brick", "steel", "lead", "soil", "water", "wood", "tungsten"];
const round = (v) => Math.round(v * 10) / 10;

let ed = null;
let map = null;
let image = null;  // {url, width, height}
let tool = null;
let picked = [];  // calibration points, in pixels
let layers = null;
let fieldShown = false;  // once shown, the field follows every edit
const refreshField = debounce(() => preview(), 800);

/** Wire the section to the document editor `editor` (once). */
export function startSiteEditor(editor) {
  ed = editor;
  $("site-upload").addEventListener("change", (e) => upload(e.target));
  $("site-replace").addEventListener("change", (e) => upload(e.target));
  for (const button of document.querySelectorAll("#site-tools [data-tool]")) {
    button.addEventListener("click", () => setTool(tool === button.dataset.tool ? null : button.dataset.tool));
  }
  $("site-preview").addEventListener("click", preview);
}

const site = () => (ed.doc.site && typeof ed.doc.site === "object" ? ed.doc.site : null);
const radiation = () => (ed.doc.radiation && typeof ed.doc.radiation === "object" ? ed.doc.radiation : null);
const list = (obj, key) => (obj && Array.isArray(obj[key]) ? obj[key] : []);

// -- pixels and metres ------------------------------------------------------------------------------

function calibration(s = site()) {
  const mpp = Number(s?.metres_per_pixel) || 1;
  const [ox, oy] = Array.isArray(s?.origin_px) ? s.origin_px.map(Number) : [0, 0];
  return { mpp, ox, oy };
}
const toMetres = ([px, py], c = calibration()) => [round((px - c.ox) * c.mpp), round((c.oy - py) * c.mpp)];
const toPixels = ([x, y], c = calibration()) => [x / c.mpp + c.ox, c.oy - y / c.mpp];
const latLng = (point) => { const [px, py] = toPixels(point); return [-py, px]; };
const pixelsOf = (latlng) => [latlng.lng, -latlng.lat];

/** Every point placed, in metres: places, sources, shields, deposition areas (for recalibration). */
function eachPoint(doc, fn) {
  for (const place of list(doc.site, "places")) if (Array.isArray(place.at)) place.at = fn(place.at);
  for (const source of list(doc.radiation, "sources")) if (Array.isArray(source.at)) source.at = fn(source.at);
  for (const shield of list(doc.radiation, "shields")) {
    for (const key of ["polygon", "line"]) if (Array.isArray(shield[key])) shield[key] = shield[key].map(fn);
  }
  for (const area of list(doc.radiation, "deposition")) if (Array.isArray(area.polygon)) area.polygon = area.polygon.map(fn);
}

/** Change the scale or origin, keeping everything where it is on the image. */
function recalibrate(update) {
  ed.change((doc) => {
    const before = calibration(doc.site);
    update(doc.site);
    const after = calibration(doc.site);
    eachPoint(doc, (point) => toMetres(toPixels(point, before), after));
  });
}

// -- the plan ----------------------------------------------------------------------------------------

async function upload(input) {
  const file = input.files?.[0];
  input.value = "";
  if (!file) return;
  const form = new FormData();
  form.append("plan", file);
  try {
    const response = await fetch("/api/v1/library/plans", { method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]')?.content || "" } });
    const answer = await response.json();
    if (!response.ok) throw answer.error;
    ed.change((doc) => {
      const [w, h] = answer.size_px;
      doc.site = { ...(doc.site || {}), plan: answer.plan };
      doc.site.metres_per_pixel ??= 1.0;
      doc.site.origin_px ??= [Math.round(w / 2), Math.round(h / 2)];
      doc.site.places ??= [];
    });
    image = null;  // load the new one
    hint(t("Plan uploaded. Calibrate its scale: two points a known distance apart."));
  } catch (err) {
    hint(t("The plan was not taken: {value}", { value: describe(err) }));
  }
}

function loadImage(plan) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve({ url: img.src, width: img.naturalWidth || 1000, height: img.naturalHeight || 1000 });
    img.onerror = () => reject(new Error(t("the plan {plan} cannot be loaded", { plan })));
    img.src = `/api/v1/library/${plan}`;
  });
}

// -- rendering ------------------------------------------------------------------------------------------

/** Draw the section from the document (called on every render of the editor). */
export async function renderSite() {
  const s = site();
  $("site-empty").hidden = Boolean(s?.plan);
  $("site-body").hidden = !s?.plan;
  if (!s?.plan) return;
  if (!image || !image.url.endsWith(s.plan)) {
    try {
      image = await loadImage(s.plan);
    } catch (err) {
      hint(err.message);
      return;
    }
    makeMap();
  }
  const c = calibration();
  $("site-scale").textContent = t("Scale {mpp} m per pixel; site (0, 0) at pixel {ox}, {oy}; the plan is ", { mpp: c.mpp, ox: c.ox, oy: c.oy })
    + `${round(image.width * c.mpp)} m × ${round(image.height * c.mpp)} m.`;
  drawFeatures();
  renderTables();
  if (fieldShown) refreshField();
}

function makeMap() {
  map?.remove();
  const bounds = [[-image.height, 0], [0, image.width]];
  map = L.map($("site-editor-map"), { crs: L.CRS.Simple, minZoom: -4, maxZoom: 4, zoomSnap: 0.25, attributionControl: false });
  L.imageOverlay(image.url, bounds, { alt: t("Site plan") }).addTo(map);
  map.fitBounds(bounds);
  layers = { features: L.layerGroup().addTo(map), field: L.layerGroup().addTo(map), picks: L.layerGroup().addTo(map) };
  map.on("click", (e) => clicked(pixelsOf(e.latlng)));
  map.pm?.setGlobalOptions({ snappable: false, continueDrawing: false });
  map.on("pm:create", ({ layer }) => drawn(layer));
}

function drawFeatures() {
  layers.features.clearLayers();
  const origin = latLng([0, 0]);
  L.circleMarker(origin, { radius: 5, color: "#1d4ed8", fillOpacity: 1 }).bindTooltip("0, 0", { direction: "left" })
    .addTo(layers.features);
  for (const place of list(site(), "places")) {
    if (!Array.isArray(place.at)) continue;
    L.circleMarker(latLng(place.at), { radius: 6, color: "#111", fillOpacity: 1 })
      .bindTooltip(place.name || place.id, { permanent: true, direction: "right", className: "map-label" })
      .addTo(layers.features);
  }
  const places = Object.fromEntries(list(site(), "places").map((p) => [p.id, p.at]));
  for (const source of list(radiation(), "sources")) {
    const at = Array.isArray(source.at) ? source.at : places[source.at];
    if (!at) continue;
    L.marker(latLng(at), { icon: L.divIcon({ className: "source-icon", html: "☢", iconSize: [26, 26] }), keyboard: false })
      .bindTooltip(`${source.id} ${source.nuclide} ${source.activity}`, { permanent: true, direction: "right", className: "map-label" })
      .addTo(layers.features);
  }
  for (const shield of list(radiation(), "shields")) {
    const points = shield.polygon || shield.line;
    if (!Array.isArray(points)) continue;
    const style = { color: "#374151", weight: 3, fillOpacity: 0.15 };
    (shield.polygon ? L.polygon : L.polyline)(points.map(latLng), style)
      .bindTooltip(`${shield.id}: ${shield.thickness} ${shield.material}`, { className: "map-label" }).addTo(layers.features);
  }
  for (const area of list(radiation(), "deposition")) {
    if (!Array.isArray(area.polygon)) continue;
    L.polygon(area.polygon.map(latLng), { color: "#7c2d12", weight: 2, dashArray: "6 4", fillOpacity: 0.2 })
      .bindTooltip(`${area.id}: ${area.activity} ${area.nuclide}`, { className: "map-label" }).addTo(layers.features);
  }
}

// -- tools ------------------------------------------------------------------------------------------------

const HINTS = {
  calibrate: t("Click two points whose distance you know (the ends of a scale bar, two corners of a building)."),
  origin: t("Click where site (0, 0) is: the blast seat, a gate, any point you will measure from."),
  place: t("Click where the place is; then name it."),
  source: t("Click where the source is; then set its nuclide and activity in the table below."),
  shield: t("Click each corner of the wall or building; click the first corner again to finish."),
  deposit: t("Click each corner of the contaminated area; click the first corner again to finish."),
};

function setTool(name) {
  tool = name;
  picked = [];
  layers?.picks.clearLayers();
  map?.pm?.disableDraw();
  for (const button of document.querySelectorAll("#site-tools [data-tool]")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  }
  hint(tool ? HINTS[tool] : "");
  if (tool === "shield" || tool === "deposit") {
    map.pm.enableDraw("Polygon", { pathOptions: { color: tool === "shield" ? "#374151" : "#7c2d12" } });
  }
  if (tool) $("site-editor-map").scrollIntoView({ block: "center" });
}

function hint(text) { $("site-hint").textContent = text; }

function nextId(prefix, items) {
  const used = new Set(items.map((item) => item.id));
  let n = items.length + 1;
  while (used.has(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

function clicked(pixels) {
  if (!tool) return;
  if (tool === "calibrate") {
    picked.push(pixels);
    L.circleMarker([-pixels[1], pixels[0]], { radius: 5, color: "#b3261e" }).addTo(layers.picks);
    if (picked.length < 2) { hint(t("Now click the second point.")); return; }
    const [[x1, y1], [x2, y2]] = picked;
    const pixelsApart = Math.hypot(x2 - x1, y2 - y1);
    const metres = Number(window.prompt(t("The two points are {value} pixels apart. How many metres?", { value: Math.round(pixelsApart) })));
    setTool(null);
    if (!(metres > 0) || !(pixelsApart > 0)) { hint(t("Not calibrated: give a distance in metres greater than 0.")); return; }
    recalibrate((s) => { s.metres_per_pixel = Math.round((metres / pixelsApart) * 10000) / 10000; });
    hint(t("Calibrated: {value} m per pixel.", { value: site().metres_per_pixel }));
  } else if (tool === "origin") {
    recalibrate((s) => { s.origin_px = pixels.map((v) => Math.round(v)); });
    setTool(null);
    hint(t("Site (0, 0) is there now; everything placed stayed where it was on the plan."));
  } else if (tool === "place") {
    const name = window.prompt(t("Name of the place (e.g. Grain Street corner)"));
    setTool(null);
    if (!name?.trim()) return;
    const id = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "place";
    ed.change((doc) => {
      doc.site.places = list(doc.site, "places");
      doc.site.places.push({ id: doc.site.places.some((p) => p.id === id) ? `${id}-${doc.site.places.length + 1}` : id,
        name: name.trim(), at: toMetres(pixels) });
    });
  } else if (tool === "source") {
    setTool(null);
    ed.change((doc) => {
      doc.radiation = doc.radiation && typeof doc.radiation === "object" ? doc.radiation : { background: t("0.1 µSv/h") };
      doc.radiation.sources = list(doc.radiation, "sources");
      doc.radiation.sources.push({ id: nextId("S", doc.radiation.sources), nuclide: t("Cs-137"), activity: t("1 TBq"),
        at: toMetres(pixels), height: "1 m" });
    });
  }
}

function drawn(layer) {
  const points = layer.getLatLngs()[0].map((latlng) => toMetres(pixelsOf(latlng)));
  map.removeLayer(layer);
  const kind = tool;
  setTool(null);
  ed.change((doc) => {
    doc.radiation = doc.radiation && typeof doc.radiation === "object" ? doc.radiation : { background: t("0.1 µSv/h") };
    if (kind === "shield") {
      doc.radiation.shields = list(doc.radiation, "shields");
      doc.radiation.shields.push({ id: nextId("W", doc.radiation.shields), polygon: points, material: "concrete",
        thickness: "20 cm" });
    } else {
      doc.radiation.deposition = list(doc.radiation, "deposition");
      doc.radiation.deposition.push({ id: nextId("D", doc.radiation.deposition), polygon: points, nuclide: t("Cs-137"),
        activity: t("1 MBq/m2") });
    }
  });
}

// -- the field preview --------------------------------------------------------------------------------------

async function preview() {
  fieldShown = true;
  try {
    const answer = await api("POST", "/library/field-preview", { document: ed.doc });
    layers.field.clearLayers();
    if (answer.problems.length) {
      hint(t("The field cannot be drawn yet: {problems}", { problems: answer.problems.map((p) => `${p.path}: ${p.message}`).join("; ") }));
      return;
    }
    for (const feature of answer.isolines.features) {
      for (const line of feature.geometry.coordinates) {
        if (line.length < 2) continue;
        L.polyline(line.map(latLng), { color: feature.properties.level_usv_h >= 1e5 ? "#581c87" : "#c2410c", weight: 2,
          interactive: false }).addTo(layers.field);
      }
      const first = feature.geometry.coordinates.find((line) => line.length > 1);
      if (first) {
        L.tooltip({ permanent: true, direction: "center", className: "map-label isoline-label" })
          .setLatLng(latLng(first[Math.floor(first.length / 2)])).setContent(feature.properties.label).addTo(layers.field);
      }
    }
    hint(t("The field at the start of the exercise: isolines at 0.3 µSv/h, 100 µSv/h and 100 mSv/h (they follow your edits)."));
  } catch (err) {
    hint(t("The field cannot be drawn: {value}", { value: describe(err) }));
  }
}

// -- the tables ------------------------------------------------------------------------------------------------

function input(path, value, set, label, { type = "text" } = {}) {
  const field = el("input", { type, dataset: { path }, "aria-label": label, readonly: !ed.page.can_edit });
  field.value = value ?? "";
  field.addEventListener("change", () => ed.change((doc) => set(doc, field.value)));
  return el("td", {}, field);
}

function select(path, value, options, set, label) {
  const field = el("select", { dataset: { path }, "aria-label": label, disabled: !ed.page.can_edit });
  for (const option of options.includes(value) || value === undefined ? options : [...options, value]) {
    field.append(el("option", { value: option, selected: option === value }, option));
  }
  field.addEventListener("change", () => ed.change((doc) => set(doc, field.value)));
  return el("td", {}, field);
}

function point(path, at, set, label) {
  return input(path, Array.isArray(at) ? at.join(", ") : at, (doc, text) => {
    const parts = text.split(",").map((v) => Number(v.trim()));
    set(doc, parts.length === 2 && parts.every(Number.isFinite) ? parts : text.trim());
  }, label);
}

function remove(label, drop) {
  return el("td", {}, el("button", { class: "btn btn-quiet btn-small", type: "button", disabled: !ed.page.can_edit,
    onclick: () => { if (window.confirm(t("Remove {label}? (Undo brings it back.)", { label }))) ed.change(drop); } }, t("Remove")));
}

function renderTables() {
  $("place-rows").replaceChildren(...list(site(), "places").map((place, i) => el("tr", {},
    input(`site.places[${i}].id`, place.id, (d, v) => { d.site.places[i].id = v; }, t("Id of place {value}", { value: i + 1 })),
    input(`site.places[${i}].name`, place.name, (d, v) => { d.site.places[i].name = v; }, t("Name of place {value}", { value: i + 1 })),
    point(`site.places[${i}].at`, place.at, (d, v) => { d.site.places[i].at = v; }, t("Position of place {value} (x, y in m)", { value: i + 1 })),
    remove(t("place {id}", { id: place.id }), (d) => d.site.places.splice(i, 1)))));
  $("source-rows-site").replaceChildren(...list(radiation(), "sources").map((source, i) => el("tr", {},
    input(`radiation.sources[${i}].id`, source.id, (d, v) => { d.radiation.sources[i].id = v; }, t("Id of source {value}", { value: i + 1 })),
    select(`radiation.sources[${i}].nuclide`, source.nuclide, NUCLIDES, (d, v) => { d.radiation.sources[i].nuclide = v; },
      t("Nuclide of source {value}", { value: i + 1 })),
    input(`radiation.sources[${i}].activity`, source.activity, (d, v) => { d.radiation.sources[i].activity = v; },
      t("Activity of source {value} (e.g. 37 TBq)", { value: i + 1 })),
    input(`radiation.sources[${i}].height`, source.height, (d, v) => { d.radiation.sources[i].height = v; },
      t("Height of source {value} (e.g. 1 m)", { value: i + 1 })),
    point(`radiation.sources[${i}].at`, source.at, (d, v) => { d.radiation.sources[i].at = v; },
      t("Position of source {value} (x, y in m, or a place id)", { value: i + 1 })),
    input(`radiation.sources[${i}].from`, source.from, (d, v) => setOrDrop(d.radiation.sources[i], "from", v),
      t("On the scene from (exercise time, e.g. 0:20:00; empty: the start) for source {value}", { value: i + 1 })),
    input(`radiation.sources[${i}].until`, source.until, (d, v) => setOrDrop(d.radiation.sources[i], "until", v),
      t("On the scene until (empty: the end) for source {value}", { value: i + 1 })),
    input(`radiation.sources[${i}].changes`, changesText(source.changes), (d, v) => {
      const parsed = parseChanges(v);
      if (parsed.length) d.radiation.sources[i].changes = parsed; else delete d.radiation.sources[i].changes;
    }, t("Changes over time of source {value}: e.g. 1:10:00 shield lead 5 cm; 2:00:00 move 10, 5; 2:30:00 remove", { value: i + 1 })),
    remove(t("source {id}", { id: source.id }), (d) => d.radiation.sources.splice(i, 1)))));
  $("shield-rows").replaceChildren(...list(radiation(), "shields").map((shield, i) => el("tr", {},
    input(`radiation.shields[${i}].id`, shield.id, (d, v) => { d.radiation.shields[i].id = v; }, t("Id of shield {value}", { value: i + 1 })),
    select(`radiation.shields[${i}].material`, shield.material, MATERIALS, (d, v) => { d.radiation.shields[i].material = v; },
      t("Material of shield {value}", { value: i + 1 })),
    input(`radiation.shields[${i}].thickness`, shield.thickness, (d, v) => { d.radiation.shields[i].thickness = v; },
      t("Wall thickness of shield {value} (e.g. 20 cm)", { value: i + 1 })),
    el("td", { class: "muted" }, tn("{n} corner", "{n} corners", (shield.polygon || shield.line || []).length)),
    remove(t("shield {id}", { id: shield.id }), (d) => d.radiation.shields.splice(i, 1)))));
  $("deposit-rows").replaceChildren(...list(radiation(), "deposition").map((area, i) => el("tr", {},
    input(`radiation.deposition[${i}].id`, area.id, (d, v) => { d.radiation.deposition[i].id = v; }, t("Id of area {value}", { value: i + 1 })),
    area.plume ? el("td", { colspan: "2", class: "muted" }, t("a plume footprint (edit it in the YAML file)"))
      : select(`radiation.deposition[${i}].nuclide`, area.nuclide, DEPOSIT_NUCLIDES,
        (d, v) => { d.radiation.deposition[i].nuclide = v; }, t("Nuclide of area {value}", { value: i + 1 })),
    area.plume ? null : input(`radiation.deposition[${i}].activity`, area.activity,
      (d, v) => { d.radiation.deposition[i].activity = v; }, t("Activity per m² of area {value} (e.g. 500 kBq/m2)", { value: i + 1 })),
    remove(t("area {id}", { id: area.id }), (d) => d.radiation.deposition.splice(i, 1)))));
  const background = radiation()?.background;
  $("site-background").value = background ?? "";
}

export function wireBackground() {
  $("site-background").addEventListener("change", () => ed.change((doc) => {
    doc.radiation = doc.radiation && typeof doc.radiation === "object" ? doc.radiation : {};
    doc.radiation.background = $("site-background").value.trim() || t("0.1 µSv/h");
  }));
}

function setOrDrop(target, key, value) {
  if (value.trim()) target[key] = value.trim(); else delete target[key];
}

/** A source's changes in one line: `1:10:00 shield lead 5 cm; 2:00:00 move 10, 5; 2:20:00 unshield;
 * 2:30:00 activity 10 TBq; 3:00:00 remove`. What the line cannot say is kept as written in the file. */
export function parseChanges(text) {
  const changes = [];
  for (const part of text.split(";").map((p) => p.trim()).filter(Boolean)) {
    const [at, verb, ...rest] = part.split(/\s+/);
    const args = rest.join(" ");
    const change = { at };
    if (verb === "shield") {
      const [material, ...thickness] = rest;
      change.shield = { material, thickness: thickness.join(" ") };
    } else if (verb === "unshield") change.shield = null;
    else if (verb === "move") change.moved_to = args.includes(",") ? args.split(",").map((v) => Number(v.trim())) : args;
    else if (verb === "activity") change.activity = args;
    else if (verb === "remove") change.removed = true;
    else if (verb === "restore") change.removed = false;
    else change[verb || "what"] = args;  // left for the check to name
    changes.push(change);
  }
  return changes;
}

export function changesText(changes) {
  if (!Array.isArray(changes)) return "";
  return changes.map((c) => {
    if (c.shield) return `${c.at} shield ${c.shield.material} ${c.shield.thickness}`;
    if ("shield" in c) return `${c.at} unshield`;
    if (c.moved_to) return `${c.at} move ${Array.isArray(c.moved_to) ? c.moved_to.join(", ") : c.moved_to}`;
    if (c.activity) return `${c.at} activity ${c.activity}`;
    if ("removed" in c) return `${c.at} ${c.removed ? "remove" : "restore"}`;
    return `${c.at} ?`;
  }).join("; ");
}
