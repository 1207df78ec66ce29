// The console's site map (a dialog opened from the clock panel): every zone of every team, each
// team's cordon checks with their reasons, the zones the scenario expects (dashed) to compare with;
// controllers draw on behalf of a team or for control (docs/zones.md).
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { SiteMap, verdictList, zoneList } from "../map/sitemap.js";
import { canControl, page, showAlert, state, teamName } from "./page.js";
import { refresh as refreshRadiation, render as renderRadiation, startRadiation } from "./radiation.js";
import { t } from "../i18n.js";

// [Leaflet-Geoman's shape name, the button's words]
const SHAPES = {
  area: [["Circle", t("Draw circle")], ["Polygon", t("Draw outline")]],
  place: [["Marker", t("Draw point")], ["Circle", t("Draw circle")]],
};
let map = null;

/** Show the Site map button when the exercise has a site. */
export async function offerMap() {
  try {
    await api("GET", `/exercises/${page.exercise_id}/site`);
  } catch {
    return;
  }
  $("btn-map").hidden = false;
  $("btn-map").addEventListener("click", openMap);
  $("map-close").addEventListener("click", () => $("map-dialog").close());
  $("show-expected").addEventListener("change", showExpected);
}

async function openMap() {
  $("map-dialog").showModal();
  if (!map) {
    map = new SiteMap($("console-map"), { exerciseId: page.exercise_id, team: () => $("console-zone-team")?.value || null,
      onError: showAlert, onChange: renderMap });
    await map.load();
    if (canControl) wireDrawing();
    await startRadiation(map);
  }
  map.map.invalidateSize();
  renderMap();
  refreshRadiation({ fieldToo: true });
}

function wireDrawing() {
  const kinds = map.drawable();
  $("console-draw").hidden = !kinds.length;
  $("console-zone-kind").replaceChildren(...kinds.map((k) => el("option", { value: k.key }, k.title)));
  $("console-zone-team").append(...Object.values(state.teams).map((team) => el("option", { value: team.key }, team.name)));
  const buttons = () => $("console-draw-shapes").replaceChildren(...(SHAPES[map.kind($("console-zone-kind").value).shape]
    || SHAPES.area).map(([shape, text]) => el("button", { class: "btn btn-small", type: "button", onclick: () => {
    map.startDrawing($("console-zone-kind").value, shape);
    $("console-draw-hint").textContent = shape === "Polygon" ? t("Click each corner; click the first again to finish.")
      : shape === "Circle" ? t("Click the centre, then where its edge goes.") : t("Click where it stands.");
  } }, text)));
  $("console-zone-kind").addEventListener("change", buttons);
  buttons();
}

async function showExpected() {
  if (!$("show-expected").checked) { map?.showExpected([]); return; }
  try {
    const compared = await api("GET", `/exercises/${page.exercise_id}/zones/expected`);
    // A cordon is public: every team's comparison is the same; the first one per expected zone is shaded.
    const first = new Map();
    for (const c of compared) if (!first.has(c.expected)) first.set(c.expected, c);
    const differences = [...first.values()].flatMap((c) => [{ geometry: c.expected_only, missing: true },
      { geometry: c.drawn_only }]);
    map.showExpected(expectedOutlines(compared), differences);
    if (!compared.length) showAlert(t("This scenario names no expected zones."));
  } catch (err) {
    showAlert(err.message);
  }
}

/** The expected zones from the scenario (one per expected zone, whatever the team). */
function expectedOutlines(compared) {
  const seen = new Map();
  for (const c of compared) if (!seen.has(c.expected) && c.expected_outline) seen.set(c.expected, { kind: c.kind, outline: c.expected_outline });
  return [...seen.values()];
}

export function renderMap() {
  if (!map?.map || !$("map-dialog").open) return;
  map.render(state.zones, { editable: () => canControl });
  $("console-zones").replaceChildren(zoneList(state.zones, {
    kindOf: (k) => map.kind(k), teamName, editable: () => canControl,
    onEdit: (id) => map.edit(id),
    onRemove: async (id) => {
      if (confirm(t("Remove zone {id}? Every team that sees it will see it go.", { id }))) await map.remove(id);
    },
  }));
  const text = Object.fromEntries((page.steps || []).map((step) => [step.id, step.text]));
  const blocks = Object.entries(state.rules).map(([team, rules]) => [el("h4", {}, teamName(team)),
    verdictList(rules, (step) => text[step] || "")]);
  $("console-verdicts").replaceChildren(...(blocks.length ? blocks.flat() : [el("p", { class: "empty" }, t("No spatial rule judged yet."))]));
  renderRadiation();
}
