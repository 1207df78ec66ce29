// The tablet's Map tab: the site plan, the places, the zones the team may see; the team draws,
// reshapes and removes its zones with a finger (docs/zones.md). Shown only when the exercise has a
// site; the map is made the first time the tab is opened (Leaflet needs a visible container).
import { $, el } from "../dom.js";
import { SiteMap, verdictList, zoneList } from "../map/sitemap.js";
import { alertBar, me, state, team } from "./page.js";
import { refresh as refreshRadiation, startRadiation } from "./radiation.js";
import { t } from "../i18n.js";

const SHAPES = {
  area: [["Circle", t("Draw circle")], ["Polygon", t("Draw outline")]],
  place: [["Marker", t("Draw point")], ["Circle", t("Draw circle")]],
};
let map = null;
let loading = null;
let editing = null;

/** Find out whether the exercise has a site; show the Map tab if it has. */
export async function offerMap(exerciseId) {
  if (loading || !exerciseId) return;
  map = new SiteMap($("site-map"), { exerciseId, token: me.token, onError: alertBar, onChange: () => renderMap() });
  loading = fetch(`/api/v1/exercises/${exerciseId}/site`, { headers: { Authorization: `Bearer ${me.token}` } })
    .then(async (response) => {
      $("tab-map").hidden = !response.ok;
      if (response.ok) {
        // fetched now, so the service worker keeps the plan for a reload without network
        const site = await response.clone().json();
        fetch(site.plan_url, { headers: { Authorization: `Bearer ${me.token}` } }).catch(() => {});
      }
      return response.ok;
    })
    .catch(() => false);
}

/** The tab was opened: make the map (once) and draw it. */
export async function openMap() {
  if (!(await loading)) return;
  if (!map.map) {
    await map.load();
    wireDrawing();
    startRadiation(map);
  }
  map.map.invalidateSize();
  renderMap();
  refreshRadiation();
}

function wireDrawing() {
  const kinds = map.drawable();
  const select = $("zone-kind");
  select.replaceChildren(...kinds.map((k) => el("option", { value: k.key }, k.title)));
  $("draw-tools").hidden = !kinds.length;
  const shapes = () => SHAPES[map.kind(select.value).shape] || SHAPES.area;
  const buttons = () => $("draw-shapes").replaceChildren(...shapes().map(([shape, text]) =>
    el("button", { class: "btn btn-big", type: "button", onclick: () => startDrawing(shape) }, text)));
  select.addEventListener("change", buttons);
  buttons();
  $("draw-cancel").addEventListener("click", stopDrawing);
}

function startDrawing(shape) {
  map.startDrawing($("zone-kind").value, shape);
  $("site-map").scrollIntoView({ block: "start" });  // the taps go on the map
  $("draw-hint").textContent = shape === "Polygon" ? t("Tap each corner; tap the first corner again to finish.")
    : shape === "Circle" ? t("Tap the centre, then tap where its edge goes.") : t("Tap where it stands.");
  $("draw-cancel").hidden = false;
}

function stopDrawing() {
  map.stopDrawing();
  if (editing) map.edit(editing, false);
  editing = null;
  $("draw-hint").textContent = "";
  $("draw-cancel").hidden = true;
}

const mine = (zone) => zone.team === team.key;

export function renderMap() {
  if (!map?.map) return;
  map.render(state.zones, { editable: mine });
  $("zone-list").replaceChildren(zoneList(state.zones, {
    kindOf: (k) => map.kind(k), teamName: (k) => state.teams[k]?.name || k, editable: mine,
    onEdit: (id) => {
      stopDrawing();
      editing = id;
      map.edit(id);
      $("site-map").scrollIntoView({ block: "start" });  // the handles are on the map
      $("draw-hint").textContent = t("Drag the handles; the change is sent when you let go.");
      $("draw-cancel").hidden = false;
    },
    onRemove: async (id) => {
      if (!confirm(t("Remove zone {zone}? Every team that sees it will see it go.", { zone: id }))) return;
      await map.remove(id);
    },
    decidable: (zone) => map.actionsFor(zone.kind).length > 0, onDecide: askDecision,
  }));
  const verdicts = verdictList(state.rules[team.key], (step) => state.checklistText?.[step] || "");
  $("zone-verdicts").replaceChildren(...(verdicts ? [el("h3", {}, t("Your cordon checks")), verdicts] : []));
}

/** Ask which protective action to decide on a zone, and the public message that announces it. */
function askDecision(zone) {
  const dialog = $("decision-dialog");
  $("decision-zone").textContent = `${zone.id} ${map.kind(zone.kind).title}`;
  $("decision-action").replaceChildren(...map.actionsFor(zone.kind).map((a) => el("option", { value: a.key }, a.label)));
  $("decision-message").value = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "ok") return;
    await map.decide(zone.id, $("decision-action").value, $("decision-message").value.trim());
  };
  dialog.showModal();
}
