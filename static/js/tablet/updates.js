// The tablet as an installable app: register the service worker (/sw.js) that keeps the tablet's
// shell for offline reloads, and when a new version has been deployed, say so and reload only when
// the team taps it. Queued actions are in IndexedDB, so the reload loses none of them.
import { $ } from "../dom.js";
import { t, tn } from "../i18n.js";

/** Register the worker and watch for new versions; `waiting()` counts the actions not yet sent. */
export function watchForUpdates(waiting) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").then((registration) => {
    // A tablet that stays open for a whole exercise looks for a new version when the network
    // comes back and every ten minutes (the browser also does on every navigation).
    window.addEventListener("online", () => registration.update().catch(() => {}));
    setInterval(() => registration.update().catch(() => {}), 10 * 60 * 1000);
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting, waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        // installed while another controls the page: a new version, not the first install
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker, waiting);
      });
    });
  }).catch(() => { /* no worker: the tablet works online as before */ });
  // The first install takes control of the page without a reload; only the update the team asked
  // for reloads it, once the new worker has taken over.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!asked || reloading) return;
    reloading = true;
    location.reload();
  });
}

let asked = false;
let reloading = false;

function offer(worker, waiting) {
  const bar = $("update-bar");
  const n = waiting();
  $("update-text").textContent = n ? `${t("A new version of Cordon is ready.")} ${tn("Your waiting action is kept.", "Your {n} waiting actions are kept.", n)}`
    : t("A new version of Cordon is ready.");
  bar.hidden = false;
  $("update-now").onclick = () => {
    asked = true;
    $("update-now").disabled = true;
    worker.postMessage("update");
  };
}
