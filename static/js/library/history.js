// A document's history: compare any two versions (what was added, removed and changed, field by
// field) and restore an old version as a new draft.
// Hooks for browser tests: #versions tr[data-version] (input[name=from|to], button[data-restore]),
// #btn-compare, #diff-panel, #diff-summary li, #diff-detail .diff-section[data-section] tr[data-record].
import { api, describe } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("history-data").textContent);
const collection = page.kind === "scenario" ? "scenarios" : "checklists";
const editUrl = `/library/${page.kind === "scenario" ? "scenarios" : "sops"}/${page.id}/edit`;

function show(value) {
  if (value === undefined || value === null) return "—";
  return typeof value === "string" ? value : JSON.stringify(value, null, 1);
}

function changeRows(fields) {
  return fields.map((change) => el("tr", {},
    el("th", { scope: "row", class: "mono" }, change.field),
    el("td", { class: "diff-old" }, change.added ? "—" : show(change.old)),
    el("td", { class: "diff-new" }, change.removed ? "—" : show(change.new))));
}

function table(rows) {
  return el("table", { class: "diff-table" },
    el("thead", {}, el("tr", {}, el("th", {}, t("Field")), el("th", {}, t("Before")), el("th", {}, t("After")))),
    el("tbody", {}, ...rows));
}

async function compare(from, to) {
  try {
    const diff = await api("GET", `/library/${collection}/${page.id}/diff?from=${from}&to=${to}`);
    $("diff-title").textContent = t("What changed from version {from} to version {to}", { from: diff.from, to: diff.to });
    $("diff-summary").replaceChildren(...(diff.summary.length ? diff.summary : [t("Nothing: the same content.")])
      .map((line) => el("li", {}, line)));
    const parts = [];
    if (diff.changes.fields.length) parts.push(el("div", { class: "diff-section", dataset: { section: "" } },
      el("h3", {}, t("Fields")), table(changeRows(diff.changes.fields))));
    for (const [name, section] of Object.entries(diff.changes.sections)) {
      parts.push(el("div", { class: "diff-section", dataset: { section: name } },
        el("h3", {}, name),
        section.added.length ? el("p", { class: "diff-added" }, t("Added: {value}", { value: section.added.join(", ") })) : null,
        section.removed.length ? el("p", { class: "diff-removed" }, t("Removed: {value}", { value: section.removed.join(", ") })) : null,
        section.reordered ? el("p", {}, t("The order changed.")) : null,
        ...section.changed.map((record) => el("div", { dataset: { record: record.id } },
          el("h4", { class: "mono" }, record.id), table(changeRows(record.fields))))));
    }
    $("diff-detail").replaceChildren(...parts);
    $("diff-panel").hidden = false;
  } catch (err) {
    $("history-alert").textContent = describe(err);
    $("history-alert").hidden = false;
  }
}

$("compare-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const from = document.querySelector("input[name=from]:checked")?.value;
  const to = document.querySelector("input[name=to]:checked")?.value;
  if (from && to) compare(from, to);
});

document.querySelectorAll("[data-restore]").forEach((button) => button.addEventListener("click", async () => {
  try {
    await api("POST", `/library/${collection}/${page.id}/versions/${button.dataset.restore}/restore`);
    window.location.href = editUrl;
  } catch (err) {
    $("history-alert").textContent = t("Not restored: {value}", { value: describe(err) });
    $("history-alert").hidden = false;
  }
}));

if (page.head > 1) compare(page.head - 1, page.head);
