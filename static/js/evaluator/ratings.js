// The ratings tab: each evaluator's P/S/M/U rating of every objective with a rationale, everyone's
// ratings, and the consensus set by the lead evaluator.
import { api, describe } from "../api.js";
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { base, page } from "./page.js";
import { t } from "../i18n.js";

let ratings = null;               // GET /ratings: objectives with everyone's ratings, the consensus, the lead
const ratingDrafts = new Map();   // "mine|OBJ-1" -> {rating, rationale}: unsaved input survives a live refresh

export async function loadRatings() {
  try {
    ratings = await api("GET", `${base}/ratings`);
  } catch (err) {
    $("ratings").replaceChildren(el("p", { class: "field-error" }, t("Could not load the ratings: {value}", { value: describe(err) })));
    return;
  }
  renderRatings();
}

function canConsensus() {
  return page.role === "admin" || (ratings?.lead_evaluator && ratings.lead_evaluator === page.user);
}

function ratingPicker(name, current, labelledBy, onPick) {
  const help = el("p", { class: "hint rating-help", "aria-live": "polite" });
  const showHelp = (code) => {
    const def = page.definitions.find((d) => d.code === code);
    help.textContent = def ? `${def.code} — ${label("rating", def.code)}: ${def.definition}` : t("Pick a rating; its definition appears here.");
  };
  const group = el("div", { class: "rating-picker", role: "radiogroup", "aria-labelledby": labelledBy },
    page.definitions.map((d) => {
      const input = el("input", { type: "radio", name, value: d.code, checked: current === d.code });
      input.addEventListener("change", () => { showHelp(d.code); onPick(d.code); });
      return el("label", { class: `rating-option rating-${d.code}`, title: d.definition }, input,
        el("span", { class: "rating-code" }, d.code), el("span", { class: "rating-label" }, label("rating", d.code)));
    }));
  showHelp(current);
  return [group, help];
}

function ratingForm(objective, kind, existing) {
  const key = `${kind}|${objective.id}`;
  const draft = ratingDrafts.get(key) || { rating: existing?.rating || null, rationale: existing?.rationale || "" };
  const titleId = `${kind}-title-${objective.id}`;
  const rationaleId = `${kind}-rationale-${objective.id}`;
  const error = el("p", { class: "field-error", role: "alert", hidden: true });
  const textarea = el("textarea", { id: rationaleId, class: "rationale", rows: "2", maxlength: "8000",
    placeholder: t("Why: what you saw that supports this rating") });
  textarea.value = draft.rationale;
  textarea.addEventListener("input", () => { draft.rationale = textarea.value; ratingDrafts.set(key, draft); });
  const [picker, help] = ratingPicker(`${kind}-${objective.id}`, draft.rating, titleId,
    (code) => { draft.rating = code; ratingDrafts.set(key, draft); });
  const consensus = kind === "consensus";
  const button = el("button", { class: "btn btn-primary", type: "submit", dataset: { action: consensus ? "save-consensus" : "save-mine" } },
    consensus ? t("Set consensus") : (existing ? t("Update my rating") : t("Save my rating")));
  const form = el("form", { class: `rating-form rating-form-${kind}` },
    el("h4", { id: titleId }, consensus ? t("Consensus rating") : t("Your rating")),
    picker, help,
    el("label", { for: rationaleId }, t("Rationale")), textarea, error,
    el("div", { class: "row" }, button));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!draft.rating) { error.textContent = t("Pick P, S, M or U."); error.hidden = false; return; }
    if (!draft.rationale.trim()) { error.textContent = t("Write a short rationale."); error.hidden = false; textarea.focus(); return; }
    button.disabled = true;
    try {
      await api("PUT", `${base}/ratings/${encodeURIComponent(objective.id)}`,
        { rating: draft.rating, rationale: draft.rationale, consensus });
      ratingDrafts.delete(key);
      await loadRatings();
    } catch (err) {
      error.textContent = describe(err); error.hidden = false;
      button.disabled = false;
    }
  });
  return form;
}

function renderRatings() {
  const r = ratings;
  if (!r) return;
  $("lead-line").textContent = r.lead_evaluator ? t("Lead evaluator: {lead_evaluator}", { lead_evaluator: r.lead_evaluator }) : t("No lead evaluator named yet");
  if ($("lead-select") && document.activeElement !== $("lead-select")) $("lead-select").value = r.lead_evaluator || "";
  // Keep focus and unsaved input: remember where focus was, rebuild, restore.
  const focused = document.activeElement?.id;
  $("ratings").replaceChildren(...r.objectives.map((o) => {
    const mine = o.ratings.find((x) => x.evaluator === page.user);
    const others = o.ratings;
    const consensus = o.consensus;
    return el("article", { class: "objective-card", dataset: { objective: o.id } },
      el("h3", {}, el("span", { class: "mono" }, o.id), " ", o.capability ? el("span", { class: "muted" }, `· ${o.capability}`) : null),
      el("p", { class: "objective-text" }, o.text),
      el("div", { class: "rating-cols" },
        ratingForm(o, "mine", mine),
        el("div", { class: "rating-summary" },
          el("h4", {}, t("Everyone's ratings")),
          others.length
            ? el("ul", { class: "everyone" }, others.map((x) => el("li", {},
              el("span", { class: `rating-chip rating-${x.rating}`, title: label("rating", x.rating) }, x.rating),
              el("strong", {}, ` ${x.evaluator === page.user ? "you" : x.evaluator}`),
              x.rationale ? el("span", { class: "small" }, ` — ${x.rationale}`) : null)))
            : el("p", { class: "muted small" }, t("Nobody has rated this objective yet.")),
          el("h4", {}, t("Consensus")),
          consensus
            ? el("p", { class: "consensus-line" }, el("span", { class: `rating-chip rating-${consensus.rating}` }, consensus.rating),
              ` ${label("rating", consensus.rating)}`, el("span", { class: "small muted" }, consensus.set_by ? t(" (set by {set_by})", { set_by: consensus.set_by }) : ""),
              consensus.rationale ? el("span", { class: "small" }, ` — ${consensus.rationale}`) : null)
            : el("p", { class: "muted small" }, canConsensus() ? t("Not set yet: set it below once the evaluators agree.")
              : (r.lead_evaluator ? t("Not set yet. The lead evaluator ({name}) or an admin sets it.", { name: r.lead_evaluator })
                : t("Not set yet. The lead evaluator or an admin sets it."))),
          canConsensus() ? ratingForm(o, "consensus", consensus) : null)));
  }));
  if (focused && $(focused)) $(focused).focus();
}

export function setupLeadForm() {
  const form = $("lead-form");
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    $("lead-error").hidden = true;
    try {
      await api("PUT", `${base}/lead-evaluator`, { username: $("lead-select").value || null });
      await loadRatings();
    } catch (err) { $("lead-error").textContent = describe(err); $("lead-error").hidden = false; }
  });
}
