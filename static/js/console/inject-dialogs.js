// The controller's inject dialogs: an ad-hoc inject (#adhoc-dialog), a new release time
// (#retime-dialog) and an edit before release (#edit-dialog).
import { api, describe } from "../api.js";
import { $, el } from "../dom.js";
import { labels } from "../labels.js";
import { mergeInject, teamList } from "../projection.js";
import { clockTime, countdown, readDuration } from "../timefmt.js";
import { base, control, invalidate, live, state, toTeams } from "./page.js";
import { t } from "../i18n.js";

/** The "To" tick boxes: all teams, or some of them. */
function toPicker(fieldset, idPrefix, to) {
  const all = to === "all";
  const chosen = new Set(all ? [] : to || []);
  fieldset.replaceChildren(el("legend", {}, t("To")),
    el("label", { class: "check" },
      el("input", { type: "checkbox", id: `${idPrefix}-all`, dataset: { to: "all" }, checked: all }), " ", t("All teams")),
    ...teamList(state).map((team) => el("label", { class: "check" },
      el("input", { type: "checkbox", dataset: { to: team.key }, checked: chosen.has(team.key), disabled: all }),
      ` ${team.name}`)));
  const allBox = fieldset.querySelector('[data-to="all"]');
  allBox.addEventListener("change", () => {
    for (const box of fieldset.querySelectorAll('input:not([data-to="all"])')) box.disabled = allBox.checked;
  });
}

function pickedTo(fieldset) {
  if (fieldset.querySelector('[data-to="all"]').checked) return "all";
  return [...fieldset.querySelectorAll('input:not([data-to="all"]):checked')].map((b) => b.dataset.to);
}

function channelOptions(select, value) {
  select.replaceChildren(...labels("channel").map(([key, word]) => el("option", { value: key }, word)));
  select.value = value || "other";
}

function formError(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text || "";
}

/** The API's answer replaces what the console knew of the inject; then the dialog closes. */
function saved(inject, dialog) {
  mergeInject(state, inject);
  invalidate("all");
  $(dialog).close();
}

// -- ad hoc ----------------------------------------------------------------------------------

function openAdhoc() {
  $("adhoc-form").reset();
  formError("adhoc-error", "");
  toPicker($("adhoc-to"), "adhoc-to", "all");
  channelOptions($("adhoc-channel"), "radio");
  const draft = state.exercise.status === "draft";
  $("adhoc-hold").checked = draft;
  $("adhoc-hold").disabled = draft;
  adhocLabels();
  $("adhoc-dialog").showModal();
  $("adhoc-inject-title").focus();
}

function adhocLabels() {
  const hold = $("adhoc-hold").checked;
  $("adhoc-submit").textContent = hold ? t("Add to reserve") : t("Send now");
  $("adhoc-hint").textContent = state.exercise.status === "draft"
    ? t("The exercise has not started: the inject waits in reserve; release it by hand once running.")
    : hold ? t("It appears under “Reserve — release by hand”.") : t("The team(s) get it on their tablets at once.");
}

async function submitAdhoc(e) {
  e.preventDefault();
  const title = $("adhoc-inject-title").value.trim();
  const to = pickedTo($("adhoc-to"));
  if (!title) return formError("adhoc-error", t("Give the inject a title."));
  if (to !== "all" && !to.length) return formError("adhoc-error", t("Choose at least one team, or all teams."));
  const inject = await control("POST", `${base}/injects`, {
    title, body: $("adhoc-body").value, to, channel: $("adhoc-channel").value, hold: $("adhoc-hold").checked,
  }, $("adhoc-submit"));
  if (inject) saved(inject, "adhoc-dialog");
}

// -- retime ----------------------------------------------------------------------------------

let retiming = null;
export function openRetime(inject) {
  retiming = inject;
  formError("retime-error", "");
  $("retime-what").textContent = inject.at_s === null
    ? t("{id} · {title} — now in reserve (no time)", { id: inject.id, title: inject.title })
    : t("{id} · {title} — now at {time}", { id: inject.id, title: inject.title, time: clockTime(inject.at_s) });
  $("retime-at").value = inject.at_s === null ? "" : clockTime(inject.at_s);
  const from = Math.max(inject.at_s ?? 0, live.elapsed());
  const quick = [["+5 min", from + 300], ["+10 min", from + 600], ["+15 min", from + 900]];
  if (state.exercise.status !== "draft") quick.unshift([t("In 1 min"), live.elapsed() + 60]);
  $("retime-quick").replaceChildren(...quick.map(([text, s]) => el("button", {
    type: "button", class: "btn btn-small btn-quiet",
    onclick: () => { $("retime-at").value = clockTime(Math.round(s)); retimeHint(); },
  }, text)));
  retimeHint();
  $("retime-dialog").showModal();
  $("retime-at").select();
}

/** What the typed time means, read as the server reads it. */
function retimeHint() {
  const s = readDuration($("retime-at").value);
  const hint = $("retime-hint");
  if ($("retime-at").value.trim() === "") hint.textContent = t("Write 25m, 1h10m, 0:25:00 or 25:00 (minutes:seconds).");
  else if (s === null) hint.textContent = t("Not a time yet: write 25m, 1h10m or 0:25:00.");
  else if (state.exercise.status === "draft") hint.textContent = t("= {time} after the start.", { time: clockTime(s) });
  else if (s <= live.elapsed()) {
    hint.textContent = t("= {time}, which has passed: it is released as soon as you save.", { time: clockTime(s) });
  } else hint.textContent = t("= {time} exercise time ({countdown}).", { time: clockTime(s), countdown: countdown(s, live.elapsed()) });
}

async function submitRetime(e) {
  e.preventDefault();
  const value = $("retime-at").value.trim();
  if (!value) return formError("retime-error", t("Write a time, e.g. 25m."));
  try {
    saved(await api("PATCH", `${base}/injects/${encodeURIComponent(retiming.id)}`, { at: value }), "retime-dialog");
  } catch (err) {
    formError("retime-error", describe(err));
  }
}

// -- edit ------------------------------------------------------------------------------------

let editing = null;
export function openEdit(inject) {
  editing = inject;
  formError("edit-error", "");
  $("edit-title").textContent = t("Edit {id}", { id: inject.id });
  $("edit-inject-title").value = inject.title;
  $("edit-body").value = inject.body || "";
  toPicker($("edit-to"), "edit-to", inject.to);
  channelOptions($("edit-channel"), inject.channel);
  $("edit-dialog").showModal();
}

async function submitEdit(e) {
  e.preventDefault();
  const changes = {};
  const title = $("edit-inject-title").value.trim();
  if (!title) return formError("edit-error", t("The title cannot be empty."));
  if (title !== editing.title) changes.title = title;
  if ($("edit-body").value !== (editing.body || "")) changes.body = $("edit-body").value;
  const to = pickedTo($("edit-to"));
  if (to !== "all" && !to.length) return formError("edit-error", t("Choose at least one team, or all teams."));
  const sameTeams = (a, b) => a.length === b.length && a.every((k) => b.includes(k));
  const toChanged = to === "all" ? editing.to !== "all" : editing.to === "all" || !sameTeams(to, toTeams(editing.to));
  if (toChanged) changes.to = to;
  if ($("edit-channel").value !== editing.channel) changes.channel = $("edit-channel").value;
  if (!Object.keys(changes).length) return $("edit-dialog").close();
  try {
    saved(await api("PATCH", `${base}/injects/${encodeURIComponent(editing.id)}`, changes), "edit-dialog");
  } catch (err) {
    formError("edit-error", describe(err));
  }
}

export function wireInjectDialogs() {
  $("btn-adhoc").addEventListener("click", openAdhoc);
  $("adhoc-form").addEventListener("submit", submitAdhoc);
  $("adhoc-hold").addEventListener("change", adhocLabels);
  $("adhoc-cancel").addEventListener("click", () => $("adhoc-dialog").close());
  $("retime-form").addEventListener("submit", submitRetime);
  $("retime-at").addEventListener("input", retimeHint);
  $("retime-cancel").addEventListener("click", () => $("retime-dialog").close());
  $("edit-form").addEventListener("submit", submitEdit);
  $("edit-cancel").addEventListener("click", () => $("edit-dialog").close());
}
