// "Branch from here": a new draft exercise from this one at the moment shown (controllers).
import { api, describe } from "../api.js";
import { $ } from "../dom.js";
import { clockTime } from "../timefmt.js";
import { t } from "../i18n.js";

/** Open the dialog for the moment shown (`current()` gives `{atS}`); on confirmation, create the new
 * exercise from that exercise time and go to its console. */
export function wireBranch(page, current) {
  const dialog = $("branch-dialog");
  if (!dialog) return;
  $("branch-cancel").addEventListener("click", () => dialog.close());
  $("btn-branch").addEventListener("click", () => {
    const { atS } = current();
    $("branch-at").textContent = clockTime(atS);
    $("branch-summary").textContent = t("From “{name}” as it stood at {value}.", { name: page.name, value: clockTime(atS) });
    $("branch-name").value = t("{name} — from {time}", { name: page.name, time: clockTime(atS) }).slice(0, 200);
    $("branch-error").hidden = true;
    dialog.dataset.atS = String(Math.round(atS * 1000) / 1000);
    dialog.showModal();
  });
  $("branch-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = $("branch-name").value.trim();
    if (!name) {
      $("branch-error").textContent = t("Give the new exercise a name.");
      $("branch-error").hidden = false;
      return;
    }
    $("branch-ok").disabled = true;
    try {
      const created = await api("POST", `/exercises/${page.exercise_id}/branch`,
        { name, at_s: Number(dialog.dataset.atS), carry_actions: $("branch-carry").checked });
      location.assign(`/exercises/${created.id}/console`);
    } catch (err) {
      $("branch-error").textContent = describe(err);
      $("branch-error").hidden = false;
    } finally {
      $("branch-ok").disabled = false;
    }
  });
}
