// The site map of an exercise, shared by the tablet and the console: the plan image in site metres
// (Leaflet's flat CRS: lat = y north, lng = x east), the named places, the zones as they stand
// (state.zones, folded from zone.* events), and drawing with leaflet-geoman: circles, polygons and,
// for facilities, points. Each change is sent to the API (docs/zones.md) and comes back as an event.
//
// Colour is never the only signal: every zone carries its kind's name as a label on the map, a
// public zone is drawn solid and a working area dashed, and the list under the map says the same.
import { api, describe } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";

const L = window.L;
const BLANK = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
const COLOURS = {
  "inner-cordon": "#b3261e", "safety-perimeter": "#c2410c", "security-perimeter": "#1d4ed8",
  "command-post": "#0f766e", "staging-area": "#4d7c0f", "decon-corridor": "#7e22ce",
  "monitoring-point": "#0369a1", "information-centre": "#a16207", "shelter-area": "#15803d",
  "evacuation-area": "#be123c", "device-exclusion": "#111827",
};

/** A map in `container` for exercise `exerciseId`; `token` for a tablet (else the session), `team`
 * when a controller draws on a team's behalf (a function returning its key, or null). */
export class SiteMap {
  constructor(container, { exerciseId, token = null, team = () => null, onError = () => {}, onChange = () => {} }) {
    this.container = container;
    this.exerciseId = exerciseId;
    this.token = token;
    this.team = team;
    this.onError = onError;
    this.onChange = onChange;
    this.layers = new Map();  // zone id -> layer
    this.site = null;
    this.drawKind = null;
  }

  async load() {
    this.site = await api("GET", `/exercises/${this.exerciseId}/site`, undefined, { token: this.token });
    const [minX, minY, maxX, maxY] = this.site.bounds;
    const bounds = [[minY, minX], [maxY, maxX]];
    this.map = L.map(this.container, { crs: L.CRS.Simple, minZoom: -5, maxZoom: 4, zoomSnap: 0.25,
      attributionControl: false, tap: true });
    this.map.fitBounds(bounds);
    // A tablet's requests carry its token, which an <img> cannot: its plan is fetched and shown from a blob.
    this.plan = L.imageOverlay(this.token ? BLANK : this.site.plan_url, bounds, { alt: t("Site plan") }).addTo(this.map);
    if (this.token) this._authorisePlan();
    for (const place of this.site.places) {
      L.circleMarker([place.at[1], place.at[0]], { radius: 6, color: "#111", fillOpacity: 1, weight: 2 })
        .bindTooltip(place.name, { permanent: true, direction: "right", className: "map-label" }).addTo(this.map);
    }
    this.zonesLayer = L.layerGroup().addTo(this.map);
    this.map.pm?.setGlobalOptions({ snappable: false, continueDrawing: false });
    this.map.on("pm:create", (e) => this._created(e));
    return this;
  }

  /** The plan image needs the tablet's token: fetch it and show it from a blob. */
  async _authorisePlan() {
    const response = await fetch(this.site.plan_url, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!response.ok) return;
    this.plan.setUrl(URL.createObjectURL(await response.blob()));
  }

  /** The zone kinds the caller may draw ([{key, title, shape}]). */
  drawable() { return (this.site?.zone_kinds || []).filter((k) => k.may_draw); }

  /** Start drawing a zone of `kind` as a Circle, Polygon or Marker (a point). */
  startDrawing(kind, shape) {
    this.drawKind = kind;
    const colour = COLOURS[kind] || "#333";
    this.map.pm.enableDraw(shape, { pathOptions: { color: colour }, templineStyle: { color: colour },
      hintlineStyle: { color: colour, dashArray: [5, 5] }, finishOn: shape === "Polygon" ? "dblclick" : null });
  }

  stopDrawing() { this.map.pm.disableDraw(); }

  async _created({ shape, layer }) {
    const kind = this.drawKind;
    this.map.removeLayer(layer);  // the zone comes back from the server, as every team sees it
    const geometry = toGeometry(shape, layer);
    const body = { kind, geometry, client_id: `zone-${Date.now()}-${Math.random().toString(36).slice(2, 10)}` };
    const team = this.team();
    if (team) body.team = team;
    await this._send("POST", `/exercises/${this.exerciseId}/zones`, body);
  }

  async _send(method, path, body) {
    try {
      const answer = await api(method, path, body, { token: this.token });
      this.onChange(answer);
      return answer;
    } catch (err) {
      this.onError(describe(err));
      return null;
    }
  }

  /** Redraw the zones from the projection's `zones` ({id: {kind, geometry, team, ...}}). */
  render(zones, { editable = () => false } = {}) {
    if (!this.map) return;
    const seen = new Set();
    for (const zone of Object.values(zones)) {
      seen.add(zone.id);
      const old = this.layers.get(zone.id);
      if (old && old._cordonVersion === JSON.stringify(zone.geometry)) continue;
      if (old) this.zonesLayer.removeLayer(old);
      const layer = toLayer(zone, this.kind(zone.kind));
      layer._cordonVersion = JSON.stringify(zone.geometry);
      layer._cordonZone = zone.id;
      if (editable(zone)) {
        layer.on("pm:edit", () => this._send("PATCH", `/exercises/${this.exerciseId}/zones/${zone.id}`,
          { geometry: toGeometry(zone.geometry.type === "Circle" ? "Circle" : zone.geometry.type === "Point" ? "Marker" : "Polygon", layer) }));
      }
      this.layers.set(zone.id, layer);
      this.zonesLayer.addLayer(layer);
    }
    for (const [id, layer] of this.layers) {
      if (!seen.has(id)) { this.zonesLayer.removeLayer(layer); this.layers.delete(id); }
    }
  }

  /** Let the user reshape a zone on the map (drag its handles); the change is sent when it ends. */
  edit(zoneId, on = true) {
    const layer = this.layers.get(zoneId);
    if (!layer?.pm) return;
    if (on) layer.pm.enable({ allowSelfIntersection: false }); else layer.pm.disable();
  }

  /** Decide a protective action on a zone, with the public message that announces it. */
  decide(zoneId, action, message) {
    return this._send("POST", `/exercises/${this.exerciseId}/zones/${zoneId}/decision`, { action, message });
  }

  /** The protective actions that may be decided on a zone of this kind. */
  actionsFor(kind) { return (this.site?.actions || []).filter((a) => a.zone_kinds.includes(kind)); }

  remove(zoneId) {
    return this._send("DELETE", `/exercises/${this.exerciseId}/zones/${zoneId}`);
  }

  /** Expected zones ([{kind, outline: [[x, y]...]}]) dashed in blue, and the differences shaded
   * (`differences`: GeoJSON geometries, expected but not drawn in blue, drawn but not expected in red). */
  showExpected(expected, differences = []) {
    this.expectedLayer?.remove();
    const outlines = expected.filter((e) => e.outline?.length > 2).map((e) =>
      L.polygon(e.outline.map(([x, y]) => [y, x]), { color: "#1f5f99", dashArray: "8 6", fill: false, weight: 2,
        interactive: false }));
    const shaded = differences.filter((d) => d.geometry).map((d) => L.geoJSON(d.geometry, {
      coordsToLatLng: ([x, y]) => L.latLng(y, x), interactive: false,
      style: { stroke: false, fillColor: d.missing ? "#1f5f99" : "#b3261e", fillOpacity: 0.25 } }));
    this.expectedLayer = L.layerGroup([...outlines, ...shaded]).addTo(this.map);
  }

  kind(key) { return (this.site?.zone_kinds || []).find((k) => k.key === key) || { key, title: key, public: true }; }

  /** Show responders ([{id, name, at, target, moving, alarming}]) as labelled markers; a moving one
   * gets a dashed line to where it goes. `selected` is drawn larger; `onSelect(id, [x, y])` on a tap. Each
   * marker carries the responder's initials, so the map does not rely on colour alone. */
  showResponders(responders, { selected = null, onSelect = null, colour = "#1d4ed8" } = {}) {
    this.respondersLayer ||= L.layerGroup().addTo(this.map);
    this.respondersLayer.clearLayers();
    for (const r of responders) {
      const at = [r.at[1], r.at[0]];
      if (r.moving) {
        L.polyline([at, [r.target[1], r.target[0]]], { color: colour, weight: 2, dashArray: "4 6", interactive: false })
          .addTo(this.respondersLayer);
      }
      const marker = L.circleMarker(at, { radius: r.id === selected ? 14 : 10, color: r.alarming ? "#b3261e" : "#111",
        weight: r.id === selected ? 4 : 2, fillColor: colour, fillOpacity: 0.9 })
        .bindTooltip(`${initials(r.name)}${r.alarming ? " ⚠" : ""}`, { permanent: true, direction: "center", className: "map-label responder-label" });
      if (onSelect) {
        marker.on("click", (e) => {
          L.DomEvent.stopPropagation(e);
          onSelect(r.id, [Math.round(e.latlng.lng * 10) / 10, Math.round(e.latlng.lat * 10) / 10]);
        });
      }
      marker.addTo(this.respondersLayer);
    }
  }

  /** Call `handler([x, y])` with the site point of each tap on the map (not on a marker). */
  onTap(handler) {
    this.map.on("click", (e) => handler([Math.round(e.latlng.lng * 10) / 10, Math.round(e.latlng.lat * 10) / 10]));
  }

  /** Draw measurement points ([{at, reading: {display}, name, at_s}]) as small labelled squares. */
  showMeasurements(measurements) {
    this.measurementsLayer ||= L.layerGroup().addTo(this.map);
    this.measurementsLayer.clearLayers();
    for (const m of measurements) {
      L.rectangle([[m.at[1] - 4, m.at[0] - 4], [m.at[1] + 4, m.at[0] + 4]], { color: "#7c2d12", weight: 2, fillOpacity: 0.6 })
        .bindTooltip(`${m.reading?.display ?? ""}`, { direction: "top" }).addTo(this.measurementsLayer);
    }
  }
}

/** A responder's initials for a map marker: "Dr Weiss" → "DW". */
export function initials(name) {
  return (name || "?").split(/\s+/).filter(Boolean).slice(0, 3).map((w) => w[0].toUpperCase()).join("");
}

function toLayer(zone, kind) {
  const colour = COLOURS[zone.kind] || "#333";
  const style = { color: colour, weight: 3, fillOpacity: 0.08, dashArray: kind.public ? null : "10 6" };
  const g = zone.geometry;
  let layer;
  if (g.type === "Circle") layer = L.circle([g.center[1], g.center[0]], { ...style, radius: g.radius });
  else if (g.type === "Point") layer = L.circleMarker([g.coordinates[1], g.coordinates[0]], { ...style, radius: 9, fillOpacity: 0.9 });
  else layer = L.polygon(g.coordinates[0].map(([x, y]) => [y, x]), style);
  layer.bindTooltip(`${zone.id} · ${kind.title}`, { permanent: true, direction: "center", className: "map-label zone-label" });
  return layer;
}

/** A drawn layer as the API's geometry, in site metres (rounded to the decimetre). */
export function toGeometry(shape, layer) {
  const r = (v) => Math.round(v * 10) / 10;
  if (shape === "Circle") {
    const c = layer.getLatLng();
    return { type: "Circle", center: [r(c.lng), r(c.lat)], radius: r(layer.getRadius()) };
  }
  if (shape === "Marker" || shape === "CircleMarker") {
    const c = layer.getLatLng();
    return { type: "Point", coordinates: [r(c.lng), r(c.lat)] };
  }
  const ring = layer.getLatLngs()[0].map((p) => [r(p.lng), r(p.lat)]);
  return { type: "Polygon", coordinates: [ring] };
}

/** The list under a map: each zone with its kind in words, its team, and buttons for those the user may change. */
export function zoneList(zones, { kindOf, teamName = (k) => k, editable = () => false, onEdit, onRemove,
  decidable = () => false, onDecide }) {
  const items = Object.values(zones).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  if (!items.length) return el("p", { class: "empty" }, t("No zone drawn yet."));
  const who = (z) => (z.team ? teamName(z.team) : t("control"));
  return el("ul", { class: "zone-list" }, items.map((z) => el("li", { dataset: { zone: z.id } },
    el("span", { class: `zone-swatch kind-${z.kind}`, "aria-hidden": "true" }),
    el("strong", {}, `${z.id} ${kindOf(z.kind).title}`),
    el("span", { class: "muted" }, " · ", kindOf(z.kind).public ? who(z) : t("{team} (working area)", { team: who(z) })),
    editable(z) ? el("span", { class: "zone-actions" },
      decidable(z) ? el("button", { class: "btn btn-quiet", type: "button", onclick: () => onDecide(z) }, t("Decide…")) : null,
      el("button", { class: "btn btn-quiet", type: "button", onclick: () => onEdit(z.id) }, t("Reshape")),
      el("button", { class: "btn btn-quiet", type: "button", onclick: () => onRemove(z.id) }, t("Remove"))) : null,
    (z.decisions || []).length ? el("ul", { class: "decisions" }, z.decisions.map((d) => el("li", {},
      el("strong", {}, d.label), d.message ? ` — “${d.message}”` : "",
      (d.checks || []).map((c) => el("div", { class: `rule-line ${c.ok ? "ok" : "bad"}` },
        `${c.ok ? "✔" : "✘"} ${c.criterion}: ${c.reason}`))))) : null)));
}

/** The verdicts of a team's spatial rules ({step: {ok, reason}}), each with a sign and its reason. */
export function verdictList(rules, stepText = () => "") {
  const items = Object.entries(rules || {});
  if (!items.length) return null;
  return el("ul", { class: "verdicts" }, items.map(([step, v]) => el("li", { class: v.ok ? "ok" : "bad" },
    el("span", { class: "verdict-sign", "aria-hidden": "true" }, v.ok ? "✔" : "✘"),
    el("span", { class: "sr-only" }, v.ok ? t("holds:") : t("not yet:"), " "),
    el("strong", {}, `${step} `), stepText(step), el("br"), el("span", { class: "muted" }, v.reason))));
}
