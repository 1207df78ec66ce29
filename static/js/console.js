// The controller console: clock, inject timeline (MSEL), contingency prompts, compliance grid,
// team messages and the event feed, all live. Evaluators get the same page without controls.
//
// This module wires the panels (static/js/console/*) to the live connection. What they show
// is the projection (static/js/projection.js) of the staff `state` snapshot and of the event
// log, replayed once at connect and then live; the answers of control actions are merged in.
//
// Stable hooks for browser tests (keep them when changing the markup):
//   #clock (h:mm:ss), #clock-status (words), #clock-panel[data-status=draft|running|paused|ended]
//   #btn-start, #btn-pause, #btn-resume, #btn-end (each confirms through #confirm-dialog except
//   pause/resume), #speed (select; change = PATCH speed), #confirm-dialog with #confirm-ok / #confirm-cancel
//   #msel, #msel-contingency, #msel-reserve: li[data-inject="I-01"][data-status=pending|held|released|skipped]
//     with buttons [data-action="release"|"hold"|"unhold"|"skip"|"retime"|"edit"] and
//     .ack[data-team="fire"][data-acked="true|false"] ticks
//   #retime-dialog (#retime-at), #edit-dialog (#edit-form), #btn-adhoc opens #adhoc-dialog (#adhoc-form:
//     #adhoc-inject-title, #adhoc-body, #adhoc-to input[data-to="all"|KEY], #adhoc-channel, #adhoc-hold)
//   #prompts > [data-prompt="C-01"] with buttons [data-action="release"|"dismiss"]
//   #grid td[data-team="fire"][data-step="FB-01"][data-status=pending|open|overdue|done|late|waived|missed],
//     #grid tr[data-team] td.score
//   #feed > li[data-seq][data-type], #messages > li[data-seq], #msg-form (#msg-to, #msg-text)
//   #team-chips button[data-team-code="fire"] opens #team-dialog (#team-dialog-code, #btn-rotate)
//   #conn (connection), #console-alert (errors)
import { ConnectionBadge } from "./connection.js";
import { renderControls, tick, wireClockControls } from "./console/clock.js";
import { renderFeed } from "./console/feed.js";
import { renderGrid, wireGrid } from "./console/grid.js";
import { wireInjectDialogs } from "./console/inject-dialogs.js";
import { renderInjects, wireInjects } from "./console/injects.js";
import { offerMap, renderMap } from "./console/map.js";
import { markReadUpTo, renderMessages, wireMessages } from "./console/messages.js";
import {
  canControl, connect, flashPanel, invalidate, markLoaded, onRender, onTick, showAlert, state,
} from "./console/page.js";
import { renderPrompts } from "./console/prompts.js";
import { refreshTeams, renderTeams, wireTeams } from "./console/teams.js";
import { $ } from "./dom.js";
import { apply, loadSnapshot } from "./projection.js";
import { t } from "./i18n.js";

onRender("controls", renderControls);
onRender("injects", renderInjects);
onRender("prompts", renderPrompts);
onRender("grid", renderGrid);
onRender("feed", renderFeed);
onRender("messages", renderMessages);
onRender("teams", renderTeams);
onRender("map", renderMap);
onTick(tick);

const badge = new ConnectionBadge($("conn"), { audience: "staff" });
let replayed = false;
const live = connect({ onState, onEvent, onConnection });

function onState(snapshot) {
  loadSnapshot(state, snapshot);
  markLoaded();
  if (!replayed) {
    replayed = true;
    markReadUpTo(snapshot.exercise.last_seq);
    live.replay().then(() => invalidate("feed", "messages", "prompts", "teams"));
  }
  invalidate("all");
}

function onEvent(ev, { replay = false } = {}) {
  apply(state, ev);
  if (replay) return;  // the feed and what derives from it are redrawn once the replay is done
  const d = ev.data || {};
  if (ev.type === "team.code_rotated") refreshTeams();
  if (ev.type === "message" && d.to === "control") flashPanel("messages-panel");
  if (ev.type === "exercise.started") $("teams-strip").open = false;  // codes stay one click away; the timeline needs the room now
  invalidate("all");
}

function onConnection(connection, info) {
  badge.show(connection);
  if (connection === "error") showAlert(t("Cannot follow this exercise: {reason}", { reason: info?.message || t("error") }));
}

if (canControl) {
  wireClockControls();
  wireInjectDialogs();
}
wireInjects();
wireMessages();
wireTeams();
wireGrid();
offerMap();

setInterval(tick, 250);
tick();
