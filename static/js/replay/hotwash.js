// The hot wash: the evaluators' observations up to the moment on the projector, and a form to add
// one about that moment (stamped with it, marked as written during the hot wash).
import { api, describe } from "../api.js";
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { clockTime } from "../timefmt.js";
import { t } from "../i18n.js";

const SHOWN = 40;         // observations listed, the latest before the moment first
const NEAR_S = 5 * 60;    // those this close before the moment are highlighted

let observations = [];

/** Read every observation of the exercise (what evaluators noted, whenever they wrote it). */
export async function loadObservations(exerciseId) {
  observations = await api("GET", `/exercises/${exerciseId}/observations`);
}

export function renderHotwash(moment, teamName) {
  $("hotwash-moment").textContent = clockTime(moment);
  $("hotwash-at").textContent = clockTime(moment);
  const upTo = observations.filter((o) => o.exercise_time_s <= moment + 0.5)
    .sort((a, b) => b.exercise_time_s - a.exercise_time_s || b.id - a.id).slice(0, SHOWN);
  $("hotwash-empty").hidden = upTo.length > 0;
  $("hotwash-observations").replaceChildren(...upTo.map((o) => el("li", {
    class: `observation${moment - o.exercise_time_s <= NEAR_S ? " near" : ""}${o.tag ? ` tag-${o.tag}` : ""}`,
    dataset: { observation: String(o.id) },
  },
  el("div", { class: "observation-head" },
    el("span", { class: "time mono" }, clockTime(o.exercise_time_s)),
    o.team ? el("strong", {}, teamName(o.team)) : null,
    o.tag ? el("span", { class: `badge tag-${o.tag}` }, label("observation-tag", o.tag)) : null,
    o.hotwash ? el("span", { class: "badge badge-hotwash" }, t("Hot wash")) : null,
    el("span", { class: "muted small" }, o.evaluator || "")),
  el("p", {}, o.text))));
}

/** The form: an observation about the moment shown, marked as written during the hot wash. */
export function wireHotwash(exerciseId, moment, redraw) {
  $("hotwash-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("hotwash-text").value.trim();
    if (!text) return;
    const body = { text, exercise_time_s: Math.round(moment() * 1000) / 1000, hotwash: true };
    if ($("hotwash-team").value) body.team = $("hotwash-team").value;
    if ($("hotwash-tag").value) body.tag = $("hotwash-tag").value;
    $("hotwash-add").disabled = true;
    try {
      const added = await api("POST", `/exercises/${exerciseId}/observations`, body);
      observations.push(added);
      $("hotwash-text").value = "";
      $("hotwash-error").hidden = true;
      redraw();
    } catch (err) {
      $("hotwash-error").textContent = describe(err);
      $("hotwash-error").hidden = false;
    } finally {
      $("hotwash-add").disabled = false;
    }
  });
}
