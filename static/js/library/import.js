// The MSEL import page: upload a spreadsheet (or a YAML scenario) as a draft, with a column-mapping
// step that can be saved by name and reused; unknown teams and objectives become placeholders.
// Hooks for browser tests: #import-form (#import-file, #import-base, #import-sop, #import-id, #import-title,
// #import-mapping-name, #mapping-rows .map-row (input.map-column, select.map-field), #btn-add-mapping,
// #import-remember, #import-overwrite, #btn-import), #import-result (#import-warnings li, #import-problems li,
// #import-open).
import { api, describe } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";

const $ = (id) => document.getElementById(id);
const FIELDS = [["time", t("Time")], ["message", t("Message")], ["title", t("Title")], ["to", t("To")], ["from", t("From")],
  ["channel", t("Delivery method")], ["type", t("Event type")], ["expects", t("Expected action")], ["objective", t("Objective")],
  ["notes", t("Notes")], ["number", "MSEL #"], ["id", t("Inject id")], ["ignore", t("(ignore this column)")]];

function mappingRow(column = "", field = "time") {
  const row = el("div", { class: "map-row" },
    el("input", { type: "text", class: "map-column", list: "column-names", placeholder: t("Your column name"),
      "aria-label": t("Column name"), value: column }),
    el("span", {}, "→"),
    el("select", { class: "map-field", "aria-label": t("Field") },
      ...FIELDS.map(([value, label]) => el("option", { value, selected: value === field }, label))),
    el("button", { type: "button", class: "btn btn-small btn-quiet", "aria-label": t("Remove this column"),
      onclick: () => row.remove() }, "✕"));
  $("mapping-rows").append(row);
}

/** The column names of a CSV file's first line, to pick from. */
async function detectColumns(file) {
  if (!file || !/\.(csv|tsv|txt)$/i.test(file.name)) return;
  const text = await file.slice(0, 20000).text();
  const line = text.replace(/^\ufeff/, "").split(/\r?\n/).find((l) => l.trim());
  if (!line) return;
  const separator = [";", "\t", ","].sort((a, b) => line.split(b).length - line.split(a).length)[0];
  $("column-names").replaceChildren(...line.split(separator).map((c) => el("option", { value: c.replace(/^"|"$/g, "").trim() })));
}

async function loadMappings() {
  try {
    const saved = await api("GET", "/library/msel-mappings");
    $("import-mapping-name").append(...saved.map((m) => el("option", { value: m.name }, m.name)));
  } catch (err) { /* the import works without them */ }
}

async function submit(event) {
  event.preventDefault();
  const form = new FormData();
  const file = $("import-file").files[0];
  if (!file) return;
  form.append("file", file);
  for (const [id, name] of [["import-base", "base"], ["import-id", "id"], ["import-title", "title"],
    ["import-mapping-name", "mapping_name"], ["import-remember", "remember_mapping"]]) {
    if ($(id).value.trim()) form.append(name, $(id).value.trim());
  }
  if (!$("import-base").value) form.append("sop", $("import-sop").value);
  const mapping = {};
  for (const row of document.querySelectorAll("#mapping-rows .map-row")) {
    const column = row.querySelector(".map-column").value.trim();
    if (column) mapping[column] = row.querySelector(".map-field").value;
  }
  if (Object.keys(mapping).length) form.append("mapping", JSON.stringify(mapping));
  form.append("placeholders", "true");
  form.append("save", "true");
  form.append("overwrite", String($("import-overwrite").checked));
  $("btn-import").disabled = true;
  let response;
  let body = null;
  try {
    response = await fetch("/api/v1/scenarios/import", { method: "POST", body: form, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content } });
    body = await response.json();
  } catch (err) {
    body = { error: { message: describe(err) } };
  }
  $("btn-import").disabled = false;
  showResult(response?.ok, body);
}

function showResult(ok, body) {
  $("import-result").hidden = false;
  $("import-open").hidden = !ok;
  $("import-warnings").replaceChildren();
  $("import-problems").replaceChildren();
  $("import-unmapped").textContent = "";
  if (!ok) {
    const error = body.error ?? {};
    $("import-result-title").textContent = t("Not imported: {value}", { value: error.message ?? "the server refused the file" });
    $("import-problems").replaceChildren(...Object.entries(error.fields ?? {}).flatMap(([where, messages]) =>
      [].concat(messages).map((message) => el("li", {}, el("strong", {}, where), `: ${message}`))));
    return;
  }
  const { saved, warnings, unmapped_columns: unmapped } = body;
  $("import-result-title").textContent = t("Imported as draft version {number} of {id}.", { number: saved.number, id: saved.id });
  $("import-warnings").replaceChildren(...warnings.map((w) => el("li", {}, w)));
  if (unmapped.length) $("import-unmapped").textContent = t("Columns not imported: {value}.", { value: unmapped.join(", ") });
  $("import-open").href = `/library/scenarios/${saved.id}/edit`;
}

$("import-file").addEventListener("change", () => detectColumns($("import-file").files[0]));
$("btn-add-mapping").addEventListener("click", () => mappingRow());
$("import-form").addEventListener("submit", submit);
$("import-base").addEventListener("change", () => { $("import-sop").disabled = Boolean($("import-base").value); });
loadMappings();
