// The after-action report page: evaluators edit the narrative sections in place.
// Each edit is a PUT /api/v1/exercises/<id>/report/narrative/<section> (logged as an event);
// the server answers with the text rendered from Markdown, which replaces the section's text.
import { api, describe } from "./api.js";
import { t } from "./i18n.js";

const page = document.querySelector(".page[data-exercise]");
const exerciseId = page?.dataset.exercise;

function editor(block) {
  const textBox = block.querySelector(".narrative-text");
  const meta = block.querySelector(".narrative-meta");
  const button = block.querySelector(".edit-narrative");
  const form = document.createElement("form");
  const area = document.createElement("textarea");
  const save = Object.assign(document.createElement("button"), { type: "submit", className: "btn btn-primary", textContent: t("Save") });
  const cancel = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: t("Cancel") });
  const error = Object.assign(document.createElement("p"), { className: "error", role: "alert" });
  area.value = block.dataset.text || "";
  area.setAttribute("aria-label", t("Text of {section} (Markdown)", { section: block.dataset.section.replace(/_/g, " ") }));
  form.append(area, save, " ", cancel, error);

  const close = () => { form.remove(); textBox.hidden = false; button.hidden = false; };
  cancel.addEventListener("click", close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    error.textContent = "";
    try {
      const section = encodeURIComponent(block.dataset.section);
      const saved = await api("PUT", `/exercises/${exerciseId}/report/narrative/${section}`, { text: area.value });
      block.dataset.text = saved.text;
      // Server-rendered Markdown with raw HTML off: safe to insert.
      if (saved.text) textBox.innerHTML = saved.html;
      else textBox.replaceChildren(Object.assign(document.createElement("p"), { className: "placeholder", textContent: t("Nothing written yet.") }));
      meta.textContent = t("Written by {by}, just now.", { by: saved.by });
      close();
    } catch (err) {
      error.textContent = describe(err);
    } finally {
      save.disabled = false;
    }
  });
  textBox.hidden = true;
  button.hidden = true;
  block.insertBefore(form, meta);
  area.focus();
}

if (exerciseId) {
  for (const button of document.querySelectorAll(".edit-narrative")) {
    button.addEventListener("click", () => editor(button.closest(".narrative")));
  }
}
