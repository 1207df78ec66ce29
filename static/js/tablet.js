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
import { flushQueue, loadOutbox, onOutboxChange, onOutboxRefused, queue, waitingActions } from "./tablet/outbox.js";
import { alertBar, connect, me, state, team } from "./tablet/page.js";
import { lastKnown, openStore, saveEvents, saveSnapshot } from "./tablet/store.js";
import { watchForUpdates } from "./tablet/updates.js";
import { clockTime } from "./timefmt.js";
import { t } from "./i18n.js";

const badge = new ConnectionBadge($("conn"));
let replayed = false;
let fromServer = false;  // a snapshot came from the server (not only from the device)
let offlineSince = null;  // exercise time the connection was lost at
const live = connect({ onState, onEvent, onConnection });

// What the tablet had and did, from the device, before (or without) the network.
openStore(me.token.slice(0, 12)).then(async () => {
  await loadOutbox();
  const known = await lastKnown();
  if (known && !fromServer) {
    showSnapshot(known.snapshot);
    const clock = known.snapshot.exercise.clock;
    const passed = clock.status === "running" ? ((Date.now() - known.saved_at) / 1000) * clock.speed : 0;
    live.setClock({ ...clock, elapsed_s: clock.elapsed_s + passed });
    for (const ev of known.events.sort((a, b) => a.seq - b.seq)) apply(state, ev);
    if (!live.connected) {  // offline since (at the latest) what the device last heard
      offlineSince = Math.max(clock.elapsed_s, ...known.events.map((ev) => ev.exercise_time_s ?? 0));
      badge.setSince(clockTime(offlineSince));
      badge.show("offline");
    }
    renderAll();
    tick();
  }
  flushQueue();
});
watchForUpdates(() => queue.length);
onOutboxRefused(alertBar);

// -- server -> tablet ------------------------------------------------------------------------

let pendingEvents = [];
let saveTimer = 0;
/** Keep folded events on the device, a batch at a time (a replay folds thousands at once). */
function keep(ev) {
  pendingEvents.push(ev);
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => { saveEvents(pendingEvents.splice(0)); }, 300);
}

function onState(snapshot) {
  fromServer = true;
  saveSnapshot(snapshot);
  showSnapshot(snapshot);
  offerMap(snapshot.exercise.id);
  if (!replayed) {
    replayed = true;
    live.replay().then(renderAll);  // acknowledgements and messages come from the event log
  }
  renderAll();
  flushQueue();
}

function showSnapshot(snapshot) {
  Object.assign(team, snapshot.you.team);
  $("team-name").textContent = `${snapshot.you.team.name} · ${snapshot.you.name}`;
  document.title = t("{name} · Cordon", { name: snapshot.you.team.name });
  setSteps(snapshot.checklist);
  state.checklistText = Object.fromEntries((snapshot.checklist || []).map((s) => [s.id, s.text]));
  loadSnapshot(state, snapshot);
}

function onEvent(ev, { replay = false } = {}) {
  apply(state, ev);
  keep(ev);
  if (replay) return;
  if (ev.type === "inject.released") buzz();
  if (ev.type === "dose.alarm" || ev.type === "dose.guidance_reached") onDoseEvent(ev);
  if (ev.type === "responder.moved") refreshRadiation();
  renderAll();
}

function onConnection(connection, info) {
  if (connection === "online") {
    offlineSince = null;
    badge.setSince(null);
    badge.show("online");
    flushQueue();
  } else if (connection === "revoked") {
    badge.show("revoked");
    $("revoked").hidden = false;
    $("revoked").replaceChildren(t("This tablet was signed out because the team code changed."), " ",
      el("a", { href: "/join" }, t("Join again")));
  } else if (info?.message?.code === "unauthorized" || info?.data?.code === "unauthorized") {
    localStorage.removeItem("cordon.participant");
    location.replace("/join");
  } else {
    if (offlineSince === null) offlineSince = live.elapsed();
    badge.setSince(clockTime(offlineSince));
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
  setCount("queued-count", waitingActions().length);
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
