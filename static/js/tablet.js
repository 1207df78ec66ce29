// The team tablet: injects, checklist, action log and messages; keeps working through Wi-Fi drops.
// Actions taken offline wait in local storage with their client_id and are sent on reconnect;
// the server's idempotency on client_id makes a resend harmless.
import { Live } from "./live.js";
import { clockTime, countdown, el, STATUS_WORDS, uuid } from "./format.js";

const me = JSON.parse(localStorage.getItem("cordon.participant") || "null");
if (!me?.token) location.replace("/join");

const keys = {
  queue: `cordon.queue.${me.token.slice(0, 12)}`,
  read: `cordon.read.${me.token.slice(0, 12)}`,
};
const $ = (id) => document.getElementById(id);

const view = {
  team: null,
  injects: new Map(),        // inject id -> inject
  acked: new Set(),          // inject ids this team acknowledged
  read: new Set(JSON.parse(localStorage.getItem(keys.read) || "[]")),
  steps: [],                 // checklist steps of this team
  status: new Map(),         // step id -> compliance entry
  actions: new Map(),        // client_id -> action
  messages: new Map(),       // seq -> message
  queue: JSON.parse(localStorage.getItem(keys.queue) || "[]"),
  refused: [],
  exerciseStatus: "draft",
};

const live = new Live({ token: me.token, onState, onEvent, onConnection });
let replayed = false;

// -- server -> tablet ------------------------------------------------------------------------

function onState(state) {
  view.team = state.you.team;
  view.exerciseStatus = state.exercise.status;
  $("team-name").textContent = `${state.you.team.name} · ${state.you.name}`;
  document.title = `${state.you.team.name} · Cordon`;
  view.steps = state.checklist;
  for (const entry of state.compliance.steps) view.status.set(entry.step, entry);
  for (const inject of state.exercise.injects) view.injects.set(inject.id, inject);
  for (const action of state.actions) view.actions.set(action.client_id, { ...action, state: "sent" });
  if (!replayed) {
    replayed = true;
    live.replay().then(renderAll);  // acknowledgements and messages come from the event log
  }
  renderAll();
  flushQueue();
}

function onEvent(ev, { replay = false } = {}) {
  const d = ev.data;
  switch (ev.type) {
    case "inject.released":
      view.injects.set(d.id, d);
      if (!replay) buzz();
      break;
    case "inject.acknowledged":
      if (d.team === view.team?.key) view.acked.add(d.inject_id);
      break;
    case "action.logged":
      view.actions.set(d.action.client_id, { ...d.action, seq: ev.seq, state: "sent" });
      break;
    case "step.status":
      view.status.set(d.step, { ...view.status.get(d.step), ...d });
      break;
    case "step.waived":
      break;
    case "message":
      view.messages.set(ev.seq, { ...d, at: ev.exercise_time_s, seq: ev.seq });
      break;
    default:
      if (ev.type.startsWith("exercise.")) view.exerciseStatus = d.clock?.status || view.exerciseStatus;
  }
  if (!replay) renderAll();
}

function onConnection(state, info) {
  const conn = $("conn");
  if (state === "online") {
    conn.textContent = "Online";
    conn.className = "conn conn-online";
    flushQueue();
  } else if (state === "revoked") {
    conn.textContent = "Signed out";
    conn.className = "conn conn-offline";
    $("revoked").hidden = false;
    $("revoked").replaceChildren("This tablet was signed out because the team code changed. ",
      el("a", { href: "/join" }, "Join again"));
  } else if (info?.message?.code === "unauthorized" || info?.data?.code === "unauthorized") {
    localStorage.removeItem("cordon.participant");
    location.replace("/join");
  } else {
    conn.textContent = view.queue.length ? `Offline · ${view.queue.length} waiting` : "Offline";
    conn.className = "conn conn-offline";
  }
}

// -- tablet -> server ------------------------------------------------------------------------

function logAction(step, text) {
  const item = { client_id: uuid(), step: step || null, text: text || "", queued_at: Date.now() };
  view.queue.push(item);
  saveQueue();
  view.actions.set(item.client_id, { ...item, state: "queued", by: me.name });
  renderAll();
  flushQueue();
}

let flushing = false;
async function flushQueue() {
  if (flushing || !live.connected) return;
  flushing = true;
  try {
    while (view.queue.length && live.connected) {
      const item = view.queue[0];
      const payload = { client_id: item.client_id, text: item.text || null };
      if (item.step) payload.step = item.step;
      const ack = await live.call("log_action", payload);
      if (!ack.ok && ["offline", "timeout", "internal"].includes(ack.error.code)) break;  // try again later
      view.queue.shift();
      saveQueue();
      const action = view.actions.get(item.client_id) || item;
      if (ack.ok) {
        view.actions.set(item.client_id, { ...action, seq: ack.seq, state: "sent" });
      } else {
        view.actions.set(item.client_id, { ...action, state: "refused", reason: ack.error.message });
      }
    }
  } finally {
    flushing = false;
    renderAll();
  }
}

async function acknowledge(injectId) {
  view.read.add(injectId);
  saveRead();
  const ack = await live.call("ack_inject", { inject_id: injectId });
  if (ack.ok) view.acked.add(injectId);
  else if (ack.error.code === "offline" || ack.error.code === "timeout") alertBar("Not connected: acknowledge again when online.");
  renderAll();
}

function saveQueue() { localStorage.setItem(keys.queue, JSON.stringify(view.queue)); }
function saveRead() { localStorage.setItem(keys.read, JSON.stringify([...view.read])); }

// -- rendering ---------------------------------------------------------------------------------

const CHANNELS = { radio: "Radio", phone: "Phone", email: "E-mail", media: "Media", "field-report": "Field report",
  sensor: "Instrument", other: "Message" };

function renderAll() {
  renderInjects();
  renderChecklist();
  renderActions();
  renderMessages();
  renderCounts();
}

function renderInjects() {
  const list = [...view.injects.values()].sort((a, b) => (b.released_at_s ?? 0) - (a.released_at_s ?? 0));
  $("injects-empty").hidden = list.length > 0;
  $("injects").replaceChildren(...list.map((inject) => {
    const acked = view.acked.has(inject.id);
    const unread = !acked && !view.read.has(inject.id);
    const body = el("div", { class: "inject-body" });
    body.innerHTML = inject.body_html;  // rendered by the server with raw HTML escaped
    return el("li", { class: `card inject${unread ? " unread" : ""}`, dataset: { inject: inject.id } },
      el("div", { class: "inject-head" },
        unread ? el("span", { class: "badge badge-new" }, "NEW") : null,
        el("span", { class: "badge channel" }, CHANNELS[inject.channel] || inject.channel),
        el("span", { class: "from" }, `From: ${inject.from || "Control"}`),
        el("span", { class: "time mono" }, clockTime(inject.released_at_s))),
      el("h3", {}, inject.title),
      body,
      acked
        ? el("p", { class: "acked" }, "✓ Acknowledged")
        : el("button", { class: "btn btn-primary btn-big", type: "button", onclick: () => acknowledge(inject.id) },
          inject.requires_ack ? "Acknowledge" : "Mark as read"));
  }));
}

function renderChecklist() {
  const now = live.elapsed();
  const phases = new Map();
  for (const step of view.steps) {
    const key = step.phase || "other";
    if (!phases.has(key)) phases.set(key, []);
    phases.get(key).push(step);
  }
  const queuedSteps = new Set(view.queue.filter((q) => q.step).map((q) => q.step));
  const blocks = [];
  for (const [phase, steps] of phases) {
    blocks.push(el("h2", { class: "phase" }, phaseTitle(phase)));
    blocks.push(el("ul", { class: "steps" }, steps.map((step) => {
      const entry = view.status.get(step.id) || { status: "pending" };
      const done = ["done", "late", "waived"].includes(entry.status);
      const queued = queuedSteps.has(step.id);
      const due = entry.status === "open" || entry.status === "overdue"
        ? el("span", { class: "due mono" }, dueText(entry, now)) : null;
      return el("li", { class: `step status-row-${entry.status}`, dataset: { step: step.id } },
        el("div", { class: "step-main" },
          el("div", { class: "step-line" },
            el("span", { class: `badge status-${entry.status}` }, queued ? "Waiting to send" : STATUS_WORDS[entry.status]),
            step.critical ? el("span", { class: "badge critical" }, "Critical") : null,
            step.mode === "any" ? el("span", { class: "badge joint", title: "One team does it for all" },
              `Joint: ${step.agencies.join(", ")}`) : null,
            entry.done_by && entry.done_by !== view.team?.key ? el("span", { class: "badge" }, `by ${entry.done_by}`) : null,
            entry.out_of_order ? el("span", { class: "badge status-late" }, "Out of order") : null,
            due),
          el("p", { class: "step-text" }, el("span", { class: "step-id mono" }, step.id), " ", step.text),
          step.guidance ? el("details", {}, el("summary", {}, "Guidance"), el("p", { class: "guidance" }, step.guidance)) : null),
        done || queued ? null : el("div", { class: "step-actions" },
          el("button", { class: "btn btn-ok", type: "button", "aria-label": `Mark ${step.id} done`,
            onclick: () => logAction(step.id, "") }, "Done"),
          el("button", { class: "btn btn-quiet btn-small", type: "button", "aria-label": `Mark ${step.id} done with a note`,
            onclick: () => noteFor(step) }, "+ note")));
    })));
  }
  $("checklist").replaceChildren(...blocks);
  const score = [...view.status.values()].find((s) => s.team_score !== undefined)?.team_score;
  $("score-line").textContent = score === null || score === undefined ? "" : `Team score so far: ${Math.round(score * 100)}%`;
}

function dueText(entry, now) {
  return entry.status === "open" ? `due ${countdown(entry.due_at_s, now)}` : `was due ${countdown(entry.due_at_s, now)}`;
}

/** Refresh the countdowns in place (rebuilding would close the guidance a reader has open). */
function updateCountdowns() {
  const now = live.elapsed();
  for (const node of document.querySelectorAll("[data-step] .due")) {
    const entry = view.status.get(node.closest("[data-step]").dataset.step);
    if (entry) node.textContent = dueText(entry, now);
  }
}

function phaseTitle(key) {
  return { arrival: "Arrival and size-up", protect: "Protect", rescue: "Rescue and treat", measure: "Measure",
    inform: "Inform", recover: "Recover" }[key] || key[0].toUpperCase() + key.slice(1);
}

function renderActions() {
  const list = [...view.actions.values()].sort((a, b) => (b.seq ?? Infinity) - (a.seq ?? Infinity));
  $("actions").replaceChildren(...list.map((a) => el("li", { class: `card action action-${a.state}` },
    el("div", { class: "inject-head" },
      el("span", { class: `badge ${a.state === "queued" ? "status-held" : a.state === "refused" ? "status-overdue" : "status-done"}` },
        a.state === "queued" ? "Waiting to send" : a.state === "refused" ? "Not accepted" : "Logged"),
      a.step ? el("span", { class: "badge" }, a.step) : null,
      el("span", { class: "from" }, a.by || ""),
      el("span", { class: "time mono" }, a.exercise_time_s !== undefined ? clockTime(a.exercise_time_s) : "")),
    el("p", {}, a.text || (a.step ? `${a.step} done` : "")),
    a.reason ? el("p", { class: "field-error" }, a.reason) : null)));
}

function renderMessages() {
  const list = [...view.messages.values()].sort((a, b) => b.seq - a.seq);
  $("messages").replaceChildren(...list.map((m) => el("li", { class: `card message ${m.to === "control" ? "mine" : "theirs"}` },
    el("div", { class: "inject-head" },
      el("strong", {}, m.to === "control" ? `${m.from.name} → Control` : `Control → ${m.to === "all" ? "all teams" : "your team"}`),
      el("span", { class: "time mono" }, clockTime(m.at))),
    el("p", {}, m.text))));
}

function renderCounts() {
  const unread = [...view.injects.keys()].filter((id) => !view.acked.has(id) && !view.read.has(id)).length;
  setCount("unread-count", unread);
  setCount("overdue-count", [...view.status.values()].filter((s) => s.status === "overdue").length);
  setCount("queued-count", view.queue.length);
  const conn = $("conn");
  if (!live.connected) conn.textContent = view.queue.length ? `Offline · ${view.queue.length} waiting` : "Offline";
}

function setCount(id, n) {
  const node = $(id);
  node.hidden = n === 0;
  node.textContent = String(n);
}

function tick() {
  $("clock").textContent = clockTime(live.elapsed());
  const status = live.clock.status;
  $("clock-status").textContent = { running: "Running", paused: "Paused", ended: "Ended", draft: "Not started" }[status] || status;
  $("clock-status").className = `badge status-${status}`;
}

// -- interaction -------------------------------------------------------------------------------

function noteFor(step) {
  const dialog = $("note-dialog");
  $("note-step").textContent = `${step.id}: ${step.text}`;
  $("note-text").value = "";
  dialog.onclose = () => { if (dialog.returnValue === "ok") logAction(step.id, $("note-text").value.trim()); };
  dialog.showModal();
}

$("log-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("log-text").value.trim();
  if (!text) return;
  logAction(null, text);
  $("log-text").value = "";
});

$("msg-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("msg-text").value.trim();
  if (!text) return;
  const ack = await live.call("message", { to: "control", text });
  if (ack.ok) $("msg-text").value = "";
  else alertBar(ack.error.code === "offline" ? "Not connected: your message was not sent yet." : ack.error.message);
});

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll(".tab")) {
      other.setAttribute("aria-selected", String(other === tab));
      $(other.getAttribute("aria-controls")).hidden = other !== tab;
    }
  });
}

function alertBar(text) {
  const bar = $("revoked");
  bar.hidden = false;
  bar.textContent = text;
  setTimeout(() => { bar.hidden = true; }, 6000);
}

function buzz() {
  if (navigator.vibrate) navigator.vibrate(150);
}

window.addEventListener("online", flushQueue);
setInterval(tick, 250);
setInterval(updateCountdowns, 1000);
tick();
