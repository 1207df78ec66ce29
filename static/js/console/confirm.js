// The console's yes/no question (#confirm-dialog), for what cannot be undone.
import { $, el } from "../dom.js";

/** A modal yes/no question; resolves true when confirmed. `text`: strings (paragraphs) or nodes. */
export function confirmDialog({ title, text, ok, danger = false }) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").replaceChildren(...[].concat(text).map((t) => (t instanceof Node ? t : el("p", {}, t))));
  $("confirm-ok").textContent = ok;
  $("confirm-ok").className = `btn ${danger ? "btn-danger btn-primary" : "btn-primary"}`;
  dialog.returnValue = "";
  dialog.showModal();
  $("confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}
