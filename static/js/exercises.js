// The exercise list (every exercise, live clocks) and, for controllers, the form that creates one.
// Hooks for browser tests: #exercise-rows tr[data-exercise="ID"], #create-form, #new-scenario,
// #new-name, #new-speed, #new-guidance, #team-rows input[data-team="KEY"] (tick box) and [data-team-name="KEY"].
import { api, describe } from "./api.js";
import { $, el } from "./dom.js";
import { label } from "./labels.js";
import { clockTime } from "./timefmt.js";
import { language, t } from "./i18n.js";

const list = { exercises: [], loadedAt: performance.now() };
let scenarios = [];

// -- the list ----------------------------------------------------------------------------------

async function loadList() {
  try {
    list.exercises = await api("GET", "/exercises");
    list.loadedAt = performance.now();
  } catch (err) {
    $("list-status").textContent = t("Could not load the exercises: {error}", { error: describe(err) });
    return;
  }
  $("list-status").textContent = list.exercises.length ? ""
    : $("create-form") ? t("No exercises yet. Create the first one with the form.") : t("No exercises yet. A controller creates them.");
  $("list-status").hidden = list.exercises.length > 0;
  $("exercise-list").hidden = list.exercises.length === 0;
  $("exercise-rows").replaceChildren(...list.exercises.map((ex) => {
    const consoleUrl = `/exercises/${ex.id}/console`;
    return el("tr", { dataset: { exercise: String(ex.id), status: ex.status } },
      el("td", {},
        el("a", { href: consoleUrl, class: "exercise-name" }, ex.name),
        el("div", { class: "muted small" }, ex.scenario.title)),
      el("td", {}, el("span", { class: `badge status-${ex.status}` }, label("clock", ex.status))),
      el("td", { class: "mono" }, el("span", { class: "list-clock" }, clockTime(ex.clock.elapsed_s)),
        ex.clock.speed !== 1 ? el("span", { class: "muted small" }, ` ×${ex.clock.speed}`) : null),
      el("td", {}, String(ex.teams)),
      el("td", {}, el("div", { class: "row-links" },
        el("a", { class: "btn btn-small btn-primary", href: consoleUrl, "aria-label": t("Open the console of {name}", { name: ex.name }) },
          t("Console")),
        el("a", { class: "btn btn-small btn-quiet", href: `/exercises/${ex.id}/evaluate`,
          "aria-label": t("Evaluate {name}", { name: ex.name }) }, t("Evaluate")),
        ex.status === "ended"
          ? el("a", { class: "btn btn-small btn-quiet", href: `/exercises/${ex.id}/report`,
            "aria-label": t("After-action report of {name}", { name: ex.name }) }, t("Report"))
          : el("a", { class: "btn btn-small btn-quiet", href: `/exercises/${ex.id}/join-sheet`,
            "aria-label": t("Join sheet of {name}", { name: ex.name }) }, t("Join sheet")))));
  }));
}

function tickClocks() {
  const seconds = (performance.now() - list.loadedAt) / 1000;
  document.querySelectorAll("#exercise-rows tr").forEach((row, i) => {
    const ex = list.exercises[i];
    if (ex?.clock.status === "running") {
      row.querySelector(".list-clock").textContent = clockTime(ex.clock.elapsed_s + seconds * ex.clock.speed);
    }
  });
}

// -- the create form ---------------------------------------------------------------------------

async function loadScenarios() {
  const select = $("new-scenario");
  try {
    scenarios = await api("GET", "/scenarios");
  } catch (err) {
    select.replaceChildren(el("option", { value: "" }, t("Scenarios could not be loaded")));
    showError(describe(err));
    return;
  }
  select.replaceChildren(el("option", { value: "" }, t("Choose a scenario…")),
    ...scenarios.map((s) => el("option", { value: s.id }, s.title)));
  if (scenarios.length === 1) select.value = scenarios[0].id;
  showScenario();
}

function showScenario() {
  const scenario = scenarios.find((s) => s.id === $("new-scenario").value);
  const info = $("scenario-info");
  if (!scenario) {
    info.replaceChildren();
    $("team-rows").replaceChildren(el("p", { class: "muted" }, t("Pick a scenario first.")));
    return;
  }
  info.replaceChildren(
    el("dl", { class: "facts" },
      el("dt", {}, t("Hazard")), el("dd", {}, scenario.hazard || "—"),
      el("dt", {}, t("Duration")), el("dd", {}, clockTime(scenario.duration_s)),
      el("dt", {}, t("Injects")), el("dd", {}, String(scenario.injects)),
      el("dt", {}, t("Checklist")), el("dd", {}, scenario.sop)),
    scenario.summary ? el("p", { class: "summary" }, scenario.summary) : null);
  const name = $("new-name");
  if (!name.value || name.dataset.auto === "1") {
    name.value = `${scenario.title} — ${new Date().toLocaleDateString(language, { day: "numeric", month: "long" })}`;
    name.dataset.auto = "1";
  }
  $("team-rows").replaceChildren(...scenario.teams.map((team) => el("div", { class: "team-row" },
    el("input", { type: "checkbox", id: `team-on-${team.key}`, checked: true, dataset: { team: team.key },
      "aria-label": t("{team} plays", { team: team.name }) }),
    el("label", { for: `team-name-${team.key}`, class: "sr-only" }, t("Name of team {key}", { key: team.key })),
    el("input", { type: "text", id: `team-name-${team.key}`, value: team.name, maxlength: "120", required: true,
      dataset: { teamName: team.key, agency: team.agency } }),
    el("span", { class: "agency muted small" }, team.agency))));
  for (const box of document.querySelectorAll("#team-rows input[type=checkbox]")) {
    box.addEventListener("change", () => {
      $(`team-name-${box.dataset.team}`).disabled = !box.checked;
      box.closest(".team-row").classList.toggle("off", !box.checked);
    });
  }
}

function showError(text) {
  const node = $("create-error");
  node.hidden = !text;
  node.textContent = text || "";
}

async function create(e) {
  e.preventDefault();
  showError("");
  const scenario = $("new-scenario").value;
  const name = $("new-name").value.trim();
  if (!scenario) return showError(t("Choose a scenario."));
  if (!name) return showError(t("Give the exercise a name."));
  const teams = [...document.querySelectorAll("#team-rows input[type=checkbox]")].filter((b) => b.checked)
    .map((box) => {
      const input = $(`team-name-${box.dataset.team}`);
      return { key: box.dataset.team, name: input.value.trim(), agency: input.dataset.agency };
    });
  if (!teams.length) return showError(t("At least one team must play."));
  const unnamed = teams.find((team) => !team.name);
  if (unnamed) return showError(t("Give team {key} a name.", { key: unnamed.key }));
  const button = $("btn-create");
  button.disabled = true;
  try {
    const guidance = $("new-guidance").value;
    const exercise = await api("POST", "/exercises", { name, scenario, speed: Number($("new-speed").value), teams,
      ...(guidance ? { dose_guidance: guidance } : {}), language: $("new-language").value });
    location.assign(`/exercises/${exercise.id}/console`);
  } catch (err) {
    showError(describe(err));
    button.disabled = false;
  }
}

$("btn-refresh").addEventListener("click", loadList);
if ($("create-form")) {
  $("create-form").addEventListener("submit", create);
  $("new-scenario").addEventListener("change", showScenario);
  $("new-name").addEventListener("input", () => { $("new-name").dataset.auto = "0"; });
  loadScenarios();
}
loadList();
setInterval(tickClocks, 1000);
