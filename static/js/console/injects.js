// The inject timeline (MSEL order), the contingency injects and the reserve: one row per inject
// with its status, acknowledgement ticks, countdown and the controller's buttons.
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { mergeInject, nextInject, openPrompts } from "../projection.js";
import { clockTime } from "../timefmt.js";
import { releaseCountdown } from "./clock.js";
import { confirmDialog } from "./confirm.js";
import { openEdit, openRetime } from "./inject-dialogs.js";
import { base, canControl, control, invalidate, live, state, teamName, toTeams, toText } from "./page.js";
import { t, tParts } from "../i18n.js";

function section(inject) {
  if (inject.at_s !== null || inject.status === "released") return "msel";
  return inject.when_overdue ? "msel-contingency" : "msel-reserve";
}

export function renderInjects() {
  const focused = document.activeElement?.closest?.("[data-inject]") ? {
    inject: document.activeElement.closest("[data-inject]").dataset.inject,
    action: document.activeElement.dataset.action,
  } : null;
  const injects = Object.values(state.injects);
  const groups = { msel: [], "msel-contingency": [], "msel-reserve": [] };
  for (const inject of injects) groups[section(inject)].push(inject);
  const when = (i) => i.at_s ?? i.released_at_s ?? Infinity;
  groups.msel.sort((a, b) => when(a) - when(b));
  const next = nextInject(state);
  const proposed = new Set(openPrompts(state).map((p) => p.inject.id));
  for (const [id, list] of Object.entries(groups)) {
    $(id).replaceChildren(...list.map((i) => injectRow(i, i === next, proposed.has(i.id))));
  }
  $("contingency-title").hidden = groups["msel-contingency"].length === 0;
  $("reserve-title").hidden = groups["msel-reserve"].length === 0;
  const count = (s) => injects.filter((i) => i.status === s).length;
  const counts = { released: count("released"), pending: count("pending"), held: count("held") };
  $("msel-summary").textContent = counts.held ? t("{released} released · {pending} pending · {held} held", counts)
    : t("{released} released · {pending} pending", counts);
  if (focused) {
    const row = document.querySelector(`[data-inject="${CSS.escape(focused.inject)}"]`);
    (row?.querySelector(`[data-action="${focused.action}"]`) || row?.querySelector("button"))?.focus();
  }
  followNext(next);
}

/** Keep the next inject in sight as the exercise moves on, unless the controller is scrolling. */
let followed = null;
let userScrolledAt = 0;
function followNext(next) {
  const id = next?.id ?? null;
  if (id === followed || Date.now() - userScrolledAt < 20000) return;
  followed = id;
  const scroller = $("msel-scroll");
  const row = id ? scroller.querySelector(`[data-inject="${CSS.escape(id)}"]`) : null;
  const previous = row?.previousElementSibling;
  if (row) scroller.scrollTop = (previous || row).offsetTop - (previous ? 24 : 0);
}

function injectRow(inject, isNext, proposed) {
  const status = inject.status;
  const open = status === "pending" || status === "held";
  const retimed = inject.at_s !== null && inject.scheduled_at_s !== null && inject.scheduled_at_s !== undefined
    && inject.at_s !== inject.scheduled_at_s;
  let when;
  if (status === "released") when = el("span", { class: "when" }, t("released {time}", { time: clockTime(inject.released_at_s) }));
  else if (status === "pending" && inject.at_s !== null) {
    when = el("span", { class: "when countdown", dataset: { countdown: String(inject.at_s) } },
      releaseCountdown(inject.at_s, live.elapsed()));
  } else if (status === "held" && inject.at_s !== null) {
    when = el("span", { class: "when" }, t("will not be sent until un-held or released"));
  }
  const slot = inject.at_s !== null ? clockTime(inject.at_s)
    : inject.when_overdue ? t("if late") : status === "released" ? t("by hand") : t("reserve");
  return el("li", { class: `msel-row row-${status}${isNext ? " next" : ""}`, dataset: { inject: inject.id, status } },
    el("div", { class: "msel-time mono" },
      slot,
      retimed ? el("span", { class: "was", title: t("Time in the scenario") },
        t("was {time}", { time: clockTime(inject.scheduled_at_s) }))
        : null),
    el("div", { class: "msel-main" },
      el("div", { class: "msel-line" },
        el("span", { class: "msel-id mono" }, inject.id),
        el("span", { class: `badge status-${proposed ? "overdue" : status}` }, injectWord(inject, proposed)),
        isNext ? el("span", { class: "badge badge-next" }, label("inject", "next")) : null,
        inject.delayed ? el("span", { class: "badge badge-delayed",
          title: t("Released late: the server was down or busy when it fell due") }, label("inject", "delayed")) : null,
        inject.adhoc ? el("span", { class: "badge" }, label("inject", "adhoc")) : null,
        el("span", { class: "msel-title" }, inject.title)),
      el("div", { class: "msel-line msel-meta" },
        el("span", { class: "channel-name" }, label("channel", inject.channel)),
        ackTicks(inject),
        when,
        inject.when_overdue && open ? el("span", { class: "small muted" },
          t("proposed when {step} is overdue", { step: inject.when_overdue.step })) : null),
      canControl && open && state.exercise.status !== "ended" ? injectButtons(inject) : null));
}

function injectWord(inject, proposed) {
  const open = inject.status === "pending" || inject.status === "held";
  if (open && proposed) return label("inject", "proposed");
  if (open && inject.at_s === null) return label("inject", inject.when_overdue ? "standby" : "reserve");
  return label("inject", inject.status);
}

function ackTicks(inject) {
  const released = inject.status === "released";
  const acks = inject.acks || {};
  const keys = toTeams(inject.to);
  if (inject.to === "all" && keys.length > 4) {
    const n = keys.filter((k) => acks[k] !== undefined).length;
    const lines = keys.map((k) => (k in acks ? t("{team}: acknowledged {time}", { team: teamName(k), time: clockTime(acks[k].at_s) })
      : t("{team}: not yet", { team: teamName(k) })));
    return el("span", { class: `ack ack-all${released && n === keys.length ? " acked" : ""}`, title: lines.join("\n") },
      released ? t("All teams · {n}/{count} ✓", { n, count: keys.length }) : t("All teams"));
  }
  if (!keys.length) return el("span", { class: "field-error" }, t("no team of this exercise"));
  return el("span", { class: "acks" }, keys.map((key) => {
    const acked = acks[key] !== undefined;
    const said = acked ? t("acknowledged at {time}", { time: clockTime(acks[key].at_s) })
      : inject.requires_ack ? t("not acknowledged yet") : t("no acknowledgement asked");
    const text = released ? `${teamName(key)}: ${said}` : teamName(key);
    return el("span", { class: `ack${released ? (acked ? " acked" : " waiting") : ""}`, title: text,
      dataset: { team: key, acked: String(acked) } },
    el("span", { "aria-hidden": "true" }, released ? (acked ? "✓ " : "○ ") : ""), key,
    el("span", { class: "sr-only" }, ` (${text})`));
  }));
}

function injectButtons(inject) {
  const draft = state.exercise.status === "draft";
  const reserve = inject.at_s === null;
  const id = inject.id;
  const button = (action, text, name, extra = {}) => el("button", {
    type: "button", class: `btn btn-small ${extra.class || "btn-quiet"}`, dataset: { action },
    "aria-label": name, title: extra.title, disabled: extra.disabled,
  }, text);
  return el("div", { class: "msel-actions" },
    button("release", t("Release"), t("Release {id}", { id }), { class: "btn-primary", disabled: draft,
      title: draft ? t("Start the exercise first") : t("Send it to the team(s) now") }),
    reserve ? null : inject.status === "held"
      ? button("unhold", t("Un-hold"), t("Un-hold {id}", { id }), { title: t("Back on the schedule") })
      : button("hold", t("Hold"), t("Hold {id}", { id }), { title: t("Keep the clock from sending it") }),
    reserve ? button("retime", t("Schedule"), t("Schedule {id}", { id }), { title: t("Change its release time") })
      : button("retime", t("Retime"), t("Retime {id}", { id }), { title: t("Change its release time") }),
    button("edit", t("Edit"), t("Edit {id}", { id }), { title: t("Change title, text, recipients or channel") }),
    button("skip", t("Skip"), t("Skip {id}", { id }), { class: "btn-danger", title: t("Never send it") }));
}

async function injectAction(action, id, button) {
  const inject = await control("POST", `${base}/injects/${encodeURIComponent(id)}/${action}`, undefined, button);
  if (inject) {
    mergeInject(state, inject);
    invalidate("all");
  }
}

/** A button of an inject row or of a contingency prompt. */
async function onInjectButton(e) {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  const id = button.closest("[data-inject], [data-prompt]")?.dataset;
  const inject = state.injects[id?.inject || id?.prompt];
  if (!inject) return;
  const action = button.dataset.action;
  if (action === "retime") return openRetime(inject);
  if (action === "edit") return openEdit(inject);
  if (action === "skip" && !await confirmDialog({
    title: t("Skip {id}?", { id: inject.id }),
    text: [el("p", {}, ...tParts(t("{title} to {teams}"), { title: el("q", {}, inject.title), teams: toText(inject.to) })),
      t("It will never be released in this exercise. This cannot be undone.")],
    ok: t("Skip {id}", { id: inject.id }), danger: true,
  })) return;
  if (action === "dismiss" && !await confirmDialog({
    title: t("Dismiss {id}?", { id: inject.id }), text: [el("p", {}, el("q", {}, inject.title)),
      t("The contingency inject is not sent (it is skipped). This cannot be undone.")], ok: t("Dismiss it"), danger: true,
  })) return;
  await injectAction(action, inject.id, button);
}

/** Follow the controller's scrolling; the buttons of rows and prompts. */
export function wireInjects() {
  for (const type of ["wheel", "touchmove", "keydown", "mousedown"]) {
    $("msel-scroll").addEventListener(type, () => { userScrolledAt = Date.now(); }, { passive: true });
  }
  if (canControl) {
    $("msel-scroll").addEventListener("click", onInjectButton);
    $("prompts").addEventListener("click", onInjectButton);
  }
}
