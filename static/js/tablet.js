// The team tablet: injects, checklist, action log and messages; keeps working through Wi-Fi drops.
// Actions taken offline wait in local storage with their client_id and are sent on reconnect
// (static/js/tablet/outbox.js); the server's idempotency on client_id makes a resend harmless.
//
// This module wires the tabs (static/js/tablet/*) to the live connection. What they show is the
// projection (static/js/projection.js) of the team's `state` snapshot and of the events the
// team may see, replayed once at connect (acknowledgements and messages come from there) and
// then live.
import { ConnectionBadge } from "./connection.js";
import { $, el } from "./dom.js";
import { label } from "./labels.js";
import { apply, loadSnapshot } from "./projection.js";
import { overdueCount, renderChecklist, setSteps, updateCountdowns } from "./tablet/checklist.js";
import { acknowledgeInject, buzz, renderInjects, unreadCount } from "./tablet/injects.js";
import { renderActions, wireLog } from "./tablet/log.js";
import { offerMap, openMap, renderMap } from "./tablet/map.js";
import { renderMessages, wireMessages } from "./tablet/messages.js";
import { onDoseEvent, refresh as refreshRadiation, wireDoseBanner } from "./tablet/radiation.js";
import { flushQueue, onOutboxChange, queue } from "./tablet/outbox.js";
import { connect, state, team } from "./tablet/page.js";
import { clockTime } from "./timefmt.js";

const badge = new ConnectionBadge($("conn"));
let replayed = false;
const live = connect({ onState, onEvent, onConnection });

// -- server -> tablet ------------------------------------------------------------------------

function onState(snapshot) {
  Object.assign(team, snapshot.you.team);
  $("team-name").textContent = `${snapshot.you.team.name} · ${snapshot.you.name}`;
  document.title = `${snapshot.you.team.name} · Cordon`;
  setSteps(snapshot.checklist);
  state.checklistText = Object.fromEntries((snapshot.checklist || []).map((s) => [s.id, s.text]));
  loadSnapshot(state, snapshot);
  offerMap(snapshot.exercise.id);
  if (!replayed) {
    replayed = true;
    live.replay().then(renderAll);  // acknowledgements and messages come from the event log
  }
  renderAll();
  flushQueue();
}

function onEvent(ev, { replay = false } = {}) {
  apply(state, ev);
  if (replay) return;
  if (ev.type === "inject.released") buzz();
  if (ev.type === "dose.alarm" || ev.type === "dose.guidance_reached") onDoseEvent(ev);
  if (ev.type === "responder.moved") refreshRadiation();
  renderAll();
}

function onConnection(connection, info) {
  if (connection === "online") {
    badge.show("online");
    flushQueue();
  } else if (connection === "revoked") {
    badge.show("revoked");
    $("revoked").hidden = false;
    $("revoked").replaceChildren("This tablet was signed out because the team code changed. ",
      el("a", { href: "/join" }, "Join again"));
  } else if (info?.message?.code === "unauthorized" || info?.data?.code === "unauthorized") {
    localStorage.removeItem("cordon.participant");
    location.replace("/join");
  } else {
    badge.setWaiting(queue.length);
    badge.show("offline");
  }
}

// -- rendering ---------------------------------------------------------------------------------

function renderAll() {
  renderInjects(acknowledge);
  renderChecklist();
  renderActions();
  renderMessages();
  renderMap();
  renderCounts();
}
onOutboxChange(renderAll);

function acknowledge(injectId) {
  acknowledgeInject(injectId, renderAll);
}

function renderCounts() {
  setCount("unread-count", unreadCount());
  setCount("overdue-count", overdueCount());
  setCount("queued-count", queue.length);
  badge.setWaiting(queue.length);
}

function setCount(id, n) {
  const node = $(id);
  node.hidden = n === 0;
  node.textContent = String(n);
}

function tick() {
  $("clock").textContent = clockTime(live.elapsed());
  const status = state.exercise.status;
  $("clock-status").textContent = label("clock", status);
  $("clock-status").className = `badge status-${status}`;
}

// -- interaction -------------------------------------------------------------------------------

wireLog();
wireMessages();
wireDoseBanner();
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll(".tab")) {
      other.setAttribute("aria-selected", String(other === tab));
      $(other.getAttribute("aria-controls")).hidden = other !== tab;
    }
    if (tab.id === "tab-map") openMap();
  });
}

window.addEventListener("online", flushQueue);
setInterval(tick, 250);
setInterval(updateCountdowns, 1000);
tick();
