// What the scenario and checklist editors share: the document being edited, undo, the check as
// you type (the server's rules, debounced), problems placed on their fields by path, saving a
// draft on top of the version loaded (409: someone saved meanwhile, shown with their changes),
// publishing, and a toast with Undo.
//
// Hooks for browser tests (both editors):
//   #editor[data-state=loading|ready] [data-dirty=true|false], #doc-state (draft v3 / published v2),
//   #check-status[data-valid=true|false|checking], #problem-list > li[data-problem-path] (a button each),
//   #btn-save, #btn-publish, #btn-undo, #save-note, #btn-clone opens #clone-dialog (#clone-id,
//   #clone-title-input, #clone-ok, #clone-error), #conflict-dialog (#conflict-summary li,
//   #conflict-overwrite, #conflict-cancel), #toast (#toast-text, #toast-undo), #editor-alert,
//   any field: [data-path="injects[2].title"][aria-invalid=true] with .field-problem after it.
import { api, describe } from "../api.js";
import { el } from "../dom.js";
import { t, tn } from "../i18n.js";

export const $ = (id) => document.getElementById(id);

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  wrapped.now = (...args) => { clearTimeout(timer); fn(...args); };
  return wrapped;
}

// -- times as content files write them (display only: the server's rules decide) ---------------

const CLOCK = /^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/;
const UNITS = /^(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?$/;

/** `1h20m`, `90s`, `08:30`, `1:20:00` as seconds; null when it is not such a time. */
export function parseTime(text) {
  if (typeof text !== "string") return null;
  const cleaned = text.trim().toLowerCase();
  if (!cleaned || /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return null;
  const clock = CLOCK.exec(cleaned);
  if (clock) {
    const [a, b, c] = [clock[1], clock[2], clock[3]].map((x) => (x === undefined ? undefined : Number(x)));
    return c === undefined ? a * 60 + b : a * 3600 + b * 60 + c;
  }
  const units = UNITS.exec(cleaned);
  if (units && (units[1] || units[2] || units[3])) {
    return Number(units[1] || 0) * 3600 + Number(units[2] || 0) * 60 + Number(units[3] || 0);
  }
  return null;
}

/** Seconds in the unit form content files prefer: `1h20m`, `2m30s`, `0m`. */
export function formatUnits(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}` || "0m";
}

export function clock(seconds) {
  const total = Math.max(0, Math.round(seconds));
  return `${Math.floor(total / 3600)}:${String(Math.floor((total % 3600) / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

// -- the editor --------------------------------------------------------------------------------

export class DocumentEditor {
  /**
   * @param {object} page   the page's data: {kind, id, head, can_edit}
   * @param {object} hooks  {render(editor), onChecked(result), emptyDocument()}
   */
  constructor(page, hooks) {
    this.page = page;
    this.kind = page.kind;
    this.collection = page.kind === "scenario" ? "scenarios" : "checklists";
    this.id = page.id;
    this.hooks = hooks;
    this.doc = null;
    this.base = null;          // the version the edit started from
    this.state = null;         // draft | published
    this.published = null;
    this.dirty = false;
    this.undoStack = [];
    this.problems = [];
    this.result = null;
    this.check = debounce(() => this.runCheck(), 600);
    this.checkSeq = 0;
    this.root = $("editor");
    this.bindBar();
  }

  async load() {
    this.root.dataset.state = "loading";
    try {
      if (this.id) {
        const doc = await api("GET", `/library/${this.collection}/${this.id}`);
        this.published = doc.published;
        await this.loadVersion(doc.head);
      } else {
        this.doc = this.hooks.emptyDocument();
        this.base = null;
        this.state = null;
        this.render();
        this.check.now();
      }
    } catch (err) {
      this.alert(t("Could not load: {value}", { value: describe(err) }));
    }
    this.root.dataset.state = "ready";
  }

  async loadVersion(number) {
    const version = await api("GET", `/library/${this.collection}/${this.id}/versions/${number}`);
    this.doc = version.document;
    this.base = version.number;
    this.state = version.state;
    this.setDirty(false);
    this.undoStack = [];
    this.render();
    this.showResult(version.check);
  }

  render() {
    this.hooks.render(this);
    this.renderBar();
    this.markProblems();
  }

  // -- changes and undo ---------------------------------------------------------------------

  /** Change the document: `mutate(doc)` edits it in place; undoable; re-renders unless `quiet`. */
  change(mutate, { quiet = false, label = "" } = {}) {
    if (!this.page.can_edit) return;
    this.undoStack.push(JSON.stringify(this.doc));
    if (this.undoStack.length > 100) this.undoStack.shift();
    mutate(this.doc);
    this.setDirty(true);
    if (!quiet) this.render();
    else this.renderBar();
    this.check();
    return label;
  }

  /** A field typed into: one undo step per field while it keeps the focus. */
  edit(input, mutate) {
    if (input.dataset.undoTaken !== "true") {
      this.undoStack.push(JSON.stringify(this.doc));
      input.dataset.undoTaken = "true";
      input.addEventListener("blur", () => { input.dataset.undoTaken = "false"; }, { once: true });
    }
    mutate(this.doc);
    this.setDirty(true);
    this.renderBar();
    this.check();
  }

  undo() {
    const previous = this.undoStack.pop();
    if (previous === undefined) return;
    this.doc = JSON.parse(previous);
    this.setDirty(true);
    this.render();
    this.check();
    this.toast(t("Undone."));
  }

  setDirty(dirty) {
    this.dirty = dirty;
    this.root.dataset.dirty = String(dirty);
  }

  // -- the check as you type ---------------------------------------------------------------

  async runCheck() {
    const seq = ++this.checkSeq;
    $("check-status").dataset.valid = "checking";
    $("check-status").textContent = t("Checking…");
    try {
      const result = await api("POST", `/library/${this.collection}/check`,
        { id: this.currentId() || undefined, document: this.doc });
      if (seq === this.checkSeq) this.showResult(result);
    } catch (err) {
      if (seq === this.checkSeq) {
        $("check-status").dataset.valid = "false";
        $("check-status").textContent = t("Not checked: {value}", { value: describe(err) });
      }
    }
  }

  currentId() {
    return this.id || (typeof this.doc?.id === "string" ? this.doc.id : "");
  }

  showResult(result) {
    this.result = result;
    this.problems = result.errors;
    const status = $("check-status");
    status.dataset.valid = String(result.valid);
    const warned = result.warnings.length
      ? `, ${tn("{n} warning", "{n} warnings", result.warnings.length)}` : "";
    status.textContent = result.valid ? t("No problems{warned}", { warned })
      : tn("{n} problem{warned}", "{n} problems{warned}", result.errors.length, { warned });
    $("problem-list").replaceChildren(...[...result.errors, ...result.warnings.map((w) => ({ ...w, warning: true }))]
      .map((problem) => el("li", { dataset: { problemPath: problem.path ?? "" }, class: problem.warning ? "warning" : "" },
        el("button", { type: "button", class: "problem-link", onclick: () => this.reveal(problem.path) },
          el("span", { class: "mono small" }, problem.path || t("document")), " ", problem.message))));
    $("problems-empty").hidden = result.errors.length + result.warnings.length > 0;
    this.markProblems();
    this.renderBar();
    this.hooks.onChecked?.(result);
  }

  /** Mark the fields the problems are about; a problem deeper than any field goes to the nearest one. */
  markProblems() {
    document.querySelectorAll("[data-path][aria-invalid=true]").forEach((node) => node.removeAttribute("aria-invalid"));
    document.querySelectorAll(".field-problem").forEach((node) => node.remove());
    for (const problem of this.problems) {
      const field = this.fieldFor(problem.path);
      if (!field) continue;
      field.setAttribute("aria-invalid", "true");
      field.insertAdjacentElement("afterend", el("span", { class: "field-problem", role: "note" }, problem.message));
    }
  }

  fieldFor(path) {
    let at = path || "";
    for (;;) {
      const found = document.querySelector(`[data-path="${CSS.escape(at)}"]`);
      if (found) return found;
      const shorter = at.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (shorter === at) return null;
      at = shorter;
    }
  }

  /** Show the field of a problem: the editor opens what holds it, then focuses it. */
  reveal(path) {
    this.hooks.reveal?.(path || "");
    const field = this.fieldFor(path || "");
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  }

  // -- save, publish, conflicts --------------------------------------------------------------

  bindBar() {
    $("btn-save")?.addEventListener("click", () => this.save());
    $("btn-publish")?.addEventListener("click", () => this.publish());
    $("btn-undo")?.addEventListener("click", () => this.undo());
    $("toast-undo")?.addEventListener("click", () => { this.undo(); this.hideToast(); });
    $("conflict-cancel")?.addEventListener("click", () => $("conflict-dialog").close());
    $("btn-clone")?.addEventListener("click", () => {
      $("clone-title-input").value = typeof this.doc?.title === "string" ? t("{title} (copy)", { title: this.doc.title }) : "";
      $("clone-error").hidden = true;
      $("clone-dialog").showModal();
    });
    $("clone-cancel")?.addEventListener("click", () => $("clone-dialog").close());
    $("clone-form")?.addEventListener("submit", (event) => { event.preventDefault(); this.clone(); });
    document.addEventListener("keydown", (event) => {
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
      if ((event.ctrlKey || event.metaKey) && event.key === "z" && !typing) { event.preventDefault(); this.undo(); }
      if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); this.save(); }
    });
    window.addEventListener("beforeunload", (event) => { if (this.dirty) event.preventDefault(); });
  }

  renderBar() {
    const title = typeof this.doc?.title === "string" && this.doc.title ? this.doc.title : (this.id || (this.kind === "checklist" ? t("New checklist") : t("New scenario")));
    $("doc-title").textContent = title;
    const state = $("doc-state");
    if (this.base === null) state.textContent = t("not saved yet");
    else {
      const version = this.state === "published" ? t("published v{version}", { version: this.base })
        : this.state === "draft" ? t("draft v{version}", { version: this.base }) : `${this.state} v${this.base}`;
      state.textContent = this.dirty ? t("{version} · unsaved changes", { version }) : version;
    }
    state.dataset.state = this.dirty ? "dirty" : (this.state || "new");
    $("btn-undo").disabled = this.undoStack.length === 0;
    const canPublish = this.page.can_edit && this.result?.valid && (this.dirty || this.state === "draft");
    $("btn-publish").disabled = !canPublish;
    $("btn-publish").title = this.result && !this.result.valid ? t("Fix the problems first") : "";
    $("btn-save").disabled = !this.page.can_edit || !this.dirty;
    if (this.id) {
      $("history-link").href = `/library/${this.kind === "scenario" ? "scenarios" : "sops"}/${this.id}/history`;
      $("export-link").href = this.base ? `/api/v1/library/${this.collection}/${this.id}/versions/${this.base}.yaml` : "#";
    }
    $("history-link").hidden = !this.id;
    if ($("btn-clone")) $("btn-clone").hidden = !this.id || !this.base;
    $("export-link").hidden = !this.id || !this.base;
  }

  async save({ overwrite = false } = {}) {
    if (!this.page.can_edit || (!this.dirty && this.base !== null)) return true;
    const note = $("save-note").value.trim();
    try {
      let version;
      if (this.id === null) {
        const id = this.currentId();
        version = await api("POST", `/library/${this.collection}`, { id, document: this.doc, note });
        this.id = id;
        history.replaceState(null, "", `/library/${this.kind === "scenario" ? "scenarios" : "sops"}/${id}/edit`);
      } else {
        version = await api("POST", `/library/${this.collection}/${this.id}/versions`,
          { base: overwrite ? null : this.base, document: this.doc, note });
      }
      this.base = version.number;
      this.state = version.state;
      this.setDirty(false);
      $("save-note").value = "";
      this.showResult(version.check);
      this.toast(version.saved ? t("Saved as version {number} (draft).", { number: version.number }) : t("Nothing changed since the last version."),
        false);
      return true;
    } catch (err) {
      if (err.status === 409 && this.id !== null && err.fields?.base) {
        await this.showConflict();
      } else {
        this.alert(t("Not saved: {value}", { value: describe(err) }));
      }
      return false;
    }
  }

  /** Someone saved after the version being edited: show what they changed, then let the user choose. */
  async showConflict() {
    const doc = await api("GET", `/library/${this.collection}/${this.id}`);
    const head = doc.versions[0];
    const diff = await api("GET", `/library/${this.collection}/${this.id}/diff?from=${this.base}&to=${head.number}`);
    $("conflict-who").textContent = t("{author} saved version {number} after version {base}, which you are editing. Their changes:",
      { author: head.author, number: head.number, base: this.base });
    $("conflict-summary").replaceChildren(...(diff.summary.length ? diff.summary : [t("(no change to the content)")])
      .map((line) => el("li", {}, line)));
    const dialog = $("conflict-dialog");
    $("conflict-overwrite").onclick = async () => { dialog.close(); await this.save({ overwrite: true }); };
    $("conflict-load").onclick = async () => { dialog.close(); await this.loadVersion(head.number); };
    dialog.showModal();
  }

  async publish() {
    if (!(await this.save())) return;
    try {
      const version = await api("POST", `/library/${this.collection}/${this.id}/versions/${this.base}/publish`);
      this.state = version.state;
      this.published = version.number;
      this.renderBar();
      const unfit = version.scenarios_that_do_not_fit ?? [];
      this.toast(t("Version {number} published: new exercises use it.", { number: version.number }), false);
      if (unfit.length) {
        this.alert(t("Published scenarios that no longer fit this checklist (exercises from them are refused until they are fixed): {scenarios}",
          { scenarios: unfit.join(", ") }));
      }
    } catch (err) {
      this.alert(t("Not published: {value}", { value: describe(err) }));
    }
  }

  /** A copy of the version open here (saved: the editor's unsaved changes are not copied) under a new id. */
  async clone() {
    const id = $("clone-id").value.trim();
    const title = $("clone-title-input").value.trim();
    try {
      await api("POST", `/library/${this.collection}/${this.id}/clone`,
        { id, number: this.base, ...(title ? { title } : {}) });
      $("clone-dialog").close();
      window.location.href = `/library/${this.kind === "scenario" ? "scenarios" : "sops"}/${id}/edit`;
    } catch (err) {
      $("clone-error").textContent = describe(err);
      $("clone-error").hidden = false;
    }
  }

  // -- messages -----------------------------------------------------------------------------

  alert(message) {
    const box = $("editor-alert");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(this.alertTimer);
    this.alertTimer = setTimeout(() => { box.hidden = true; }, 10000);
  }

  toast(message, undoable = true) {
    $("toast-text").textContent = message;
    $("toast-undo").hidden = !undoable;
    $("toast").hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => this.hideToast(), 8000);
  }

  hideToast() { $("toast").hidden = true; }
}

// -- small form helpers ----------------------------------------------------------------------

/** A labelled text input bound to a document field. */
export function textField(editor, { label, path, value, set, multiline = false, placeholder = "", id = null,
  list = null, readOnly = false }) {
  const input = el(multiline ? "textarea" : "input", {
    id, list, placeholder, dataset: { path }, "aria-label": label, readonly: readOnly || !editor.page.can_edit,
    rows: multiline ? 3 : null, type: multiline ? null : "text" });
  input.value = value ?? "";
  input.addEventListener("input", () => editor.edit(input, (doc) => set(doc, input.value)));
  return el("label", { class: "ed-field" }, el("span", { class: "ed-label" }, label), input);
}

export function selectField(editor, { label, path, value, options, set, id = null }) {
  const select = el("select", { id, dataset: { path }, "aria-label": label, disabled: !editor.page.can_edit });
  for (const option of options) {
    const [val, text] = Array.isArray(option) ? option : [option, option];
    select.append(el("option", { value: val, selected: val === value }, text));
  }
  if (value !== undefined && value !== null && !options.some((o) => (Array.isArray(o) ? o[0] : o) === value)) {
    select.append(el("option", { value, selected: true }, t("{value} (unknown)", { value })));
  }
  select.addEventListener("change", () => editor.change((doc) => set(doc, select.value), { quiet: true }));
  return el("label", { class: "ed-field" }, el("span", { class: "ed-label" }, label), select);
}

/** Set or remove a field: empty text removes an optional field, as a content file would leave it out. */
export function setOptional(target, key, value) {
  if (value === "" || value === null || value === undefined) delete target[key];
  else target[key] = value;
}

/** Move item `index` of `list` by `step` (-1 up, +1 down). */
export function move(list, index, step) {
  const to = index + step;
  if (to < 0 || to >= list.length) return;
  [list[index], list[to]] = [list[to], list[index]];
}

export function jsonBlock(title, value) {
  return el("details", { class: "ed-unknown" }, el("summary", {}, title, " ", el("span", { class: "muted small" },
    t("(shown as it is: edit it in the YAML file)"))), el("pre", { class: "mono small" }, JSON.stringify(value, null, 2)));
}
