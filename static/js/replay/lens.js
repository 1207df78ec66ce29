// A team's lens: the injects its tablet had received by the moment, as the tablet showed them
// (newest first, with their text and whether the team had acknowledged them).
import { $, el } from "../dom.js";
import { label } from "../labels.js";
import { clockTime } from "../timefmt.js";
import { t } from "../i18n.js";

export function renderLens(state, team) {
  const received = Object.values(state.injects).filter((i) => i.status === "released")
    .sort((a, b) => (b.released_at_s ?? 0) - (a.released_at_s ?? 0));
  $("lens-title").textContent = t("On {value}'s tablet", { value: state.teams[team]?.name || team });
  $("lens-empty").hidden = received.length > 0;
  $("lens-injects").replaceChildren(...received.map((inject) => {
    const ack = inject.acks?.[team];
    const body = el("div", { class: "inject-body" });
    body.innerHTML = inject.body_html || "";  // rendered by the server with raw HTML escaped
    return el("li", { class: `card inject${ack ? "" : " unread"}`, dataset: { inject: inject.id } },
      el("div", { class: "inject-head" },
        el("span", { class: "badge channel" }, label("channel.tablet", inject.channel)),
        el("span", { class: "from" }, t("From: {value}", { value: inject.from || t("Control") })),
        el("span", { class: "time mono" }, clockTime(inject.released_at_s)),
        inject.carried_over ? el("span", { class: "badge" }, t("Carried over")) : null),
      el("h3", {}, `${inject.id} · ${inject.title}`),
      body,
      el("p", { class: ack ? "acked" : "muted" },
        ack ? (ack.by ? t("✓ Acknowledged at {time} by {name}", { time: clockTime(ack.at_s), name: ack.by })
          : t("✓ Acknowledged at {time}", { time: clockTime(ack.at_s) })) : t("Not acknowledged yet")));
  }));
}
