// The timelines tab: what each team saw and did, side by side (as many columns as fit).
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { clockTime } from "../timefmt.js";
import { page, state, teamName } from "./page.js";
import { t } from "../i18n.js";

let shownTeams = [];

function timelineItem(item) {
  const time = el("span", { class: "time mono" }, clockTime(item.t));
  if (item.kind === "inject") {
    return el("li", { class: "tl tl-inject", dataset: { kind: "inject", inject: item.id } }, time,
      el("span", { class: "tl-what" }, el("strong", {}, `${item.id} `), item.title),
      item.from ? el("span", { class: "tl-sub" }, t("from {sender}", { sender: item.from })) : null);
  }
  if (item.kind === "ack") {
    return el("li", { class: "tl tl-ack", dataset: { kind: "ack", inject: item.id } }, time,
      el("span", { class: "tl-what" }, t("✓ Read {id}", { id: item.id })), item.by ? el("span", { class: "tl-sub" }, t("by {name}", { name: item.by })) : null);
  }
  if (item.kind === "action") {
    const stepText = item.step ? page.steps[item.step] : null;
    return el("li", { class: `tl tl-action${item.step ? " tl-tick" : ""}`, dataset: { kind: "action", step: item.step || "" } },
      time,
      el("span", { class: "tl-what" }, item.step ? el("strong", {}, `☑ ${item.step} `) : el("strong", {}, "✎ "),
        item.text || stepText || ""),
      item.by ? el("span", { class: "tl-sub" }, `by ${item.by}`) : null);
  }
  const bad = item.status === "overdue" || item.status === "missed";
  return el("li", { class: `tl tl-step${bad ? " tl-bad" : ""}`, dataset: { kind: "step", status: item.status },
    title: page.steps[item.step] || "" }, time,
  el("span", { class: "tl-what" }, el("span", { class: `badge status-${item.status}` }, label("step", item.status)),
    ` ${item.step}`),
  page.steps[item.step] ? el("span", { class: "tl-sub tl-step-text" }, page.steps[item.step]) : null);
}

function maxColumns() {
  const w = $("timelines").clientWidth || window.innerWidth;
  return Math.max(1, Math.min(4, Math.floor(w / 190)));
}

export function renderTeamToggle() {
  const max = maxColumns();
  if (!shownTeams.length) shownTeams = page.teams.slice(0, max).map((t) => t.key);
  shownTeams = shownTeams.slice(0, max);
  $("team-max").textContent = String(max);
  const box = $("team-toggle");
  box.querySelectorAll("label").forEach((n) => n.remove());
  for (const t of page.teams) {
    const shown = shownTeams.includes(t.key);
    const input = el("input", { type: "checkbox", dataset: { team: t.key }, checked: shown });
    input.addEventListener("change", () => {
      if (input.checked) {
        shownTeams.push(t.key);
        if (shownTeams.length > maxColumns()) shownTeams.shift();  // the oldest choice makes room
      } else shownTeams = shownTeams.filter((k) => k !== t.key);
      shownTeams.sort((a, b) => page.teams.findIndex((x) => x.key === a) - page.teams.findIndex((x) => x.key === b));
      renderTeamToggle();
      renderTimelines();
    });
    box.append(el("label", { class: `chip${shown ? " on" : ""}` }, input, t.name));
  }
}

export function renderTimelines() {
  const cols = shownTeams.map((key) => {
    const items = [...(state.timelines[key] || [])].sort((a, b) => a.t - b.t || a.seq - b.seq);
    const latest = items.filter((i) => i.kind === "step").reduce((m, i) => m.set(i.step, i.status), new Map());
    const open = [...latest.values()].filter((s) => s === "overdue" || s === "missed").length;
    const list = el("ol", { class: "timeline-list", "aria-label": t("Timeline of {value}", { value: teamName(key) }) },
      items.length ? items.map(timelineItem) : el("li", { class: "empty small" }, t("Nothing yet.")));
    return el("section", { class: "timeline", dataset: { team: key } },
      el("h3", { class: "timeline-head" }, teamName(key),
        open ? el("span", { class: "count count-bad", title: t("steps overdue or missed now") }, String(open)) : null),
      el("div", { class: "timeline-scroll" }, list));
  });
  const box = $("timelines");
  box.style.setProperty("--cols", String(Math.max(1, cols.length)));
  // A column scrolled to its end follows what comes in; one scrolled back stays where it is.
  const scrolls = new Map([...box.querySelectorAll(".timeline-scroll")].map((n) => [n.parentElement.dataset.team,
    n.scrollTop + n.clientHeight >= n.scrollHeight - 4 ? Infinity : n.scrollTop]));
  box.replaceChildren(...(cols.length ? cols : [el("p", { class: "muted" }, t("Tick a team above to see its timeline."))]));
  for (const node of box.querySelectorAll(".timeline-scroll")) {
    const top = scrolls.get(node.parentElement.dataset.team);
    node.scrollTop = top === undefined || top === Infinity ? node.scrollHeight : top;
  }
}

/** Fewer columns fit: show fewer teams. */
export function fitTimelines() {
  const max = maxColumns();
  if (shownTeams.length > max || String(max) !== $("team-max").textContent) { renderTeamToggle(); renderTimelines(); }
}
