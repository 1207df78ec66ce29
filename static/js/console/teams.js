// Join codes: a chip per team with its code, QR and tablets joined; the team dialog (#team-dialog)
// with the big code, and a new code for a team (which signs out its tablets).
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { setJoinCode, setTeams, teamList } from "../projection.js";
import { confirmDialog } from "./confirm.js";
import { base, control, invalidate, page, state } from "./page.js";
import { t, tn } from "../i18n.js";

const tablets = (key) => Math.max(0, state.tablets[key] || 0);

// The code in the query string makes a new image after a rotation (the old one is not reused).
const qrUrl = (team) => `${base}/teams/${encodeURIComponent(team.key)}/qr.svg?code=${team.join_code}`;

export function renderTeams() {
  const total = teamList(state).reduce((n, team) => n + tablets(team.key), 0);
  $("tablets-summary").textContent = tn("· {n} tablet", "· {n} tablets", total);
  $("team-chips").replaceChildren(...teamList(state).map((team) => {
    const n = tablets(team.key);
    // The visible text is the button's name; what it does not show is said to screen readers only.
    return el("button", { type: "button", class: "team-chip", dataset: { teamCode: team.key },
      title: tn("{team}: join code {code}, {n} tablet(s) joined. Click for the QR code.",
        "{team}: join code {code}, {n} tablet(s) joined. Click for the QR code.", n, { team: team.name, code: team.join_code }) },
    el("img", { src: qrUrl(team), alt: "", width: "26", height: "26", class: "chip-qr" }),
    el("span", { class: "chip-team" }, team.name), " ",
    el("span", { class: "chip-code mono" }, team.join_code),
    el("span", { class: "sr-only" }, tn(", {n} tablets joined; show the QR code", ", {n} tablets joined; show the QR code", n)),
    n ? el("span", { class: "chip-count", "aria-hidden": "true", title: tn("{n} tablet(s) joined", "{n} tablet(s) joined", n) },
      `✓${n}`) : null);
  }));
  const to = $("msg-to");
  if (to) {
    const value = to.value;
    to.replaceChildren(el("option", { value: "all" }, t("All teams")),
      ...teamList(state).map((team) => el("option", { value: team.key }, team.name)));
    to.value = [...to.options].some((o) => o.value === value) ? value : "all";
  }
  if ($("team-dialog").open) showTeam($("team-dialog").dataset.team);
}

function showTeam(key) {
  const team = state.teams[key];
  if (!team) return;
  const dialog = $("team-dialog");
  dialog.dataset.team = key;
  $("team-dialog-title").textContent = team.name;
  $("team-dialog-agency").textContent = t("Agency: {agency}", { agency: team.agency });
  $("team-dialog-code").textContent = team.join_code;
  $("team-dialog-url").textContent = `${page.join_base}${team.join_code}`;
  const qr = $("team-dialog-qr");
  qr.src = qrUrl(team);
  qr.alt = t("QR code: join {team}", { team: team.name });
  const n = tablets(key);
  $("team-dialog-joined").textContent = n ? tn("{n} tablet(s) joined with this code.", "{n} tablet(s) joined with this code.", n)
    : t("No tablet has joined yet.");
  if (!dialog.open) dialog.showModal();
}

async function rotateCode() {
  const key = $("team-dialog").dataset.team;
  const team = state.teams[key];
  $("team-dialog").close();
  const ok = await confirmDialog({
    title: t("New join code for {team}?", { team: team.name }),
    text: [t("The old code {code} stops working and tablets that joined with it are signed out.", { code: team.join_code }),
      t("Their users must join again with the new code (printed join sheets become outdated).")],
    ok: t("Change the code"), danger: true,
  });
  if (ok) {
    const result = await control("POST", `${base}/teams/${encodeURIComponent(key)}/rotate-code`);
    if (result) setJoinCode(state, key, result.join_code);
    invalidate("teams");
  }
  showTeam(key);
}

/** The teams with their codes again (a code_rotated event does not carry the new code). */
export async function refreshTeams() {
  try {
    const ex = await api("GET", `/exercises/${page.exercise_id}`);
    setTeams(state, ex.teams);
    invalidate("teams");
  } catch (err) { /* the next state snapshot brings it */ }
}

export function wireTeams() {
  $("team-chips").addEventListener("click", (e) => {
    const chip = e.target.closest("[data-team-code]");
    if (chip) showTeam(chip.dataset.teamCode);
  });
  $("team-dialog-close").addEventListener("click", () => $("team-dialog").close());
  const rotate = $("btn-rotate");
  if (rotate) rotate.addEventListener("click", rotateCode);
}
