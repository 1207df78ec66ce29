// The evaluator view: every team's timeline side by side, quick timed observations, P/S/M/U
// ratings with the consensus, and the improvement plan; all live.
//
// This module wires the tabs (static/js/evaluator/*) to the live connection. Timelines,
// observations and improvement-plan rows are the projection (static/js/projection.js) of the
// staff event log (replayed at connect, then live) and of what the evaluation API returns;
// ratings are read from the API again whenever a rating event comes in.
//
// Stable hooks for browser tests:
//   #clock, #conn, tabs [data-tab="timelines"|"observations"|"ratings"|"plan"]
//   #timelines > .timeline[data-team="fire"] > li[data-kind="inject"|"ack"|"action"|"step"][data-status]
//   #team-toggle input[data-team]
//   #obs-form (#obs-text, #obs-at, #obs-team, #obs-objective, #obs-zone (when zones stand), input[name=obs-tag],
//     #obs-submit), #obs-error
//   #obs-list > li[data-observation="ID"] with .time
//   #ratings > [data-objective="OBJ-1"]: input[name="mine-OBJ-1"][value=P|S|M|U], textarea.rationale,
//     button[data-action="save-mine"], .everyone li, consensus: [data-action="save-consensus"]
//   #lead-form (#lead-select), #ip-rows > form[data-action-id], #ip-new > form (fields [name=...]),
//     .field-error[data-field]
import { ConnectionBadge } from "./connection.js";
import { $ } from "./dom.js";
import { loadObservations, renderObservations, renderZoneOptions, setupObservationForm } from "./evaluator/observations.js";
import { connect, showAlert, state } from "./evaluator/page.js";
import { actionChanged, loadActions, setupPlan } from "./evaluator/plan.js";
import { loadRatings, setupLeadForm } from "./evaluator/ratings.js";
import { fitTimelines, renderTeamToggle, renderTimelines } from "./evaluator/timelines.js";
import { label } from "./labels.js";
import { apply, loadSnapshot } from "./projection.js";
import { clockTime } from "./timefmt.js";
import { t } from "./i18n.js";

const badge = new ConnectionBadge($("conn"), { audience: "staff" });
let replayed = false;
const live = connect({ onState, onEvent, onConnection });

function onState(snapshot) {
  loadSnapshot(state, snapshot);
  if (!replayed) {
    replayed = true;
    live.replay().then(() => { renderTimelines(); renderZoneOptions(); });
  }
  renderClock();
}

function onEvent(ev, { replay = false } = {}) {
  apply(state, ev);
  if (replay) return;
  const d = ev.data || {};
  switch (ev.type) {
    case "observation": case "observation.edited":
      if (d.observation) renderObservations();
      break;
    case "rating.set": case "rating.consensus": case "exercise.lead_evaluator":
      loadRatings();
      break;
    case "corrective_action.created": case "corrective_action.updated":
      if (d.corrective_action) actionChanged(d.corrective_action.id);
      break;
    case "zone.drawn": case "zone.removed":
      renderZoneOptions();
      break;
    default:
  }
  renderTimelines();
}

function onConnection(connection, info) {
  badge.show(connection);
  if (connection === "error") showAlert(t("Cannot follow this exercise: {value}", { value: info?.message || "error" }));
}

function renderClock() {
  $("clock").textContent = clockTime(live.elapsed());
  const status = state.exercise.status;
  const badgeNode = $("clock-status");
  badgeNode.textContent = label("clock", status);
  badgeNode.className = `badge status-${status}`;
}

// -- tabs ------------------------------------------------------------------------------------

function selectTab(name) {
  $("eval").dataset.tab = name;
  document.querySelectorAll(".eval-tabs .tab").forEach((tab) => {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
  });
  for (const pane of ["timelines", "ratings", "plan"]) $(`pane-${pane}`).hidden = pane !== name;
  if (name === "timelines") { renderTeamToggle(); renderTimelines(); }
}
document.querySelectorAll(".eval-tabs .tab").forEach((tab) => tab.addEventListener("click", () => selectTab(tab.dataset.tab)));

window.addEventListener("resize", () => {
  // The observations tab exists on narrow screens only; wider, the list is beside the panes.
  if ($("eval").dataset.tab === "observations" && getComputedStyle($("tab-observations")).display === "none") selectTab("timelines");
  fitTimelines();
});

// -- start -----------------------------------------------------------------------------------

setInterval(renderClock, 500);
setupObservationForm();
setupLeadForm();
setupPlan();
renderTeamToggle();
renderTimelines();
loadObservations();
loadRatings();
loadActions();
