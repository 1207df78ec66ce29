"""The AAR's charts as inline SVG (matplotlib, Agg/SVG backends; no pyplot, no fonts fetched).

Each function takes the AAR data of engine.aar and returns SVG markup to place in the page, or
None when there is nothing to draw. Text stays text (`svg.fonttype: none`), so the charts are
small, searchable in the PDF and drawn in the page's own sans-serif font.
"""
import io
import re
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib is imported: no display, ever

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

INK = "#0d1b2a"
SOFT = "#3d4b5c"
LINE = "#c5ced8"
COLOURS = {"release": "#0b5cad", "done": "#0a7a3b", "late": "#c27c00", "missed": "#b00020",
           "ack": "#0b5cad", "action": "#c27c00"}
WIDTH_IN = 7.0  # fits A4 portrait between the margins

_STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"],
    "font.size": 8.5,
    "axes.edgecolor": LINE,
    "axes.labelcolor": SOFT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": SOFT,
    "ytick.color": INK,
    "axes.grid": True,
    "grid.color": "#e9edf1",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)  # the XML declaration and doctype: not for inline SVG
_ID = re.compile(r'\bid="([^"]+)"')
_STYLE_ATTRIBUTE = re.compile(r'\bstyle="([^"]*)"')


def _presentation_attributes(match: re.Match) -> str:
    """`style="fill: #fff; stroke: none"` as `fill="#fff" stroke="none"`: the same drawing, but
    WeasyPrint reads an inline SVG's style attributes as HTML CSS and logs every SVG property in
    them as unknown, hundreds of lines per report."""
    pairs = (item.split(":", 1) for item in match.group(1).split(";") if ":" in item)
    return " ".join(f'{key.strip()}="{value.strip()}"' for key, value in pairs)


def _svg(name: str, draw: Callable[[Figure], None], height_in: float) -> str:
    """Draw into a new figure and return its SVG element, every id prefixed with `name`: several
    charts share one page, and matplotlib numbers its ids (line2d_1...) afresh in each figure."""
    with rc_context(_STYLE | {"svg.hashsalt": f"cordon-{name}"}):
        fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    markup = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    markup = _ID.sub(rf'id="{name}-\1"', markup)
    markup = markup.replace("url(#", f"url(#{name}-").replace('href="#', f'href="#{name}-')
    markup = _STYLE_ATTRIBUTE.sub(_presentation_attributes, markup)
    return markup.replace("<svg ", f'<svg class="chart" role="img" aria-labelledby="chart-{name}-title" ', 1)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60.0


def timeline(aar: dict[str, Any]) -> str | None:
    """(a) Inject releases and step completions per team over exercise time."""
    teams = aar["compliance"]["teams"]
    if not teams:
        return None
    rows = {team["key"]: index for index, team in enumerate(reversed(teams))}
    releases = [(_minutes(inj["released_at_s"]), rows[key]) for inj in aar["injects"] for key in inj["teams"]
                if key in rows]
    marks: dict[str, list[tuple[float, int]]] = {"done": [], "late": [], "missed": []}
    for team in teams:
        for step in team["steps"]:
            if step["status"] in ("done", "late") and step["done_by"] == team["key"]:
                marks[step["status"]].append((_minutes(step["done_at_s"]), rows[team["key"]]))
            elif step["status"] in ("missed", "overdue"):
                marks["missed"].append((_minutes(step["due_at_s"]), rows[team["key"]]))
    if not releases and not any(marks.values()):
        return None
    end = _minutes(aar["overview"]["duration_s"]) or 0.0

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if releases:
            xs, ys = zip(*releases)
            ax.scatter(xs, [y + 0.22 for y in ys], marker="v", s=30, color=COLOURS["release"], zorder=3)
        styles = {"done": ("o", "none"), "late": ("o", "none"), "missed": ("X", "none")}
        for status, points in marks.items():
            if points:
                xs, ys = zip(*points)
                marker, _ = styles[status]
                ax.scatter(xs, [y - 0.12 for y in ys], marker=marker, s=26, color=COLOURS[status], zorder=3,
                           alpha=0.85, linewidths=0)
        ax.set_yticks(range(len(rows)), [team["name"] for team in reversed(teams)])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlim(0, max([end] + [x for x, _ in releases] + [x for p in marks.values() for x, _ in p]) * 1.02 + 0.5)
        ax.set_xlabel("exercise time (minutes)")
        ax.grid(axis="y", visible=False)
        if end:
            ax.axvline(end, color=SOFT, linewidth=0.8, linestyle="--")
        legend = [Line2D([], [], marker="v", linestyle="", color=COLOURS["release"], label="inject released"),
                  Line2D([], [], marker="o", linestyle="", color=COLOURS["done"], label="step done"),
                  Line2D([], [], marker="o", linestyle="", color=COLOURS["late"], label="step done late"),
                  Line2D([], [], marker="X", linestyle="", color=COLOURS["missed"], label="step missed (at due time)")]
        fig.legend(handles=legend, loc="outside upper center", ncols=4, fontsize=7.5)

    return _svg("timeline", draw, 1.3 + 0.42 * len(rows))


def scores(aar: dict[str, Any]) -> str | None:
    """(b) SOP compliance score per team."""
    teams = aar["compliance"]["teams"]
    if not teams:
        return None

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = [team["name"] for team in reversed(teams)]
        values = [(team["score"] or 0.0) * 100 for team in reversed(teams)]
        colours = [COLOURS["done"] if v >= 90 else COLOURS["late"] if v >= 70 else COLOURS["missed"] for v in values]
        bars = ax.barh(names, values, color=colours, height=0.6)
        labels = ["n/a" if team["score"] is None else f"{team['score'] * 100:.0f} %" for team in reversed(teams)]
        ax.bar_label(bars, labels=labels, padding=3, fontsize=8, color=INK)
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xlabel("score (%): critical steps weigh 3, late 1/2, out of order halves")
        ax.grid(axis="y", visible=False)

    return _svg("scores", draw, 0.9 + 0.34 * len(teams))


def response_times(aar: dict[str, Any]) -> str | None:
    """(c) Distribution of acknowledgement and first-action times per team (box and strip)."""
    names = {team["key"]: team["name"] for team in aar["compliance"]["teams"]}
    series: dict[str, dict[str, list[float]]] = {key: {"ack": [], "action": []} for key in names}
    for row in aar["response_times"]["injects"]:
        entry = series.setdefault(row["team"], {"ack": [], "action": []})
        if row["ack_delay_s"] is not None:
            entry["ack"].append(row["ack_delay_s"] / 60)
        if row["action_delay_s"] is not None:
            entry["action"].append(row["action_delay_s"] / 60)
    keys = [key for key in series if series[key]["ack"] or series[key]["action"]]
    if not keys:
        return None

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ticks = []
        for index, key in enumerate(reversed(keys)):
            ticks.append(index)
            for kind, offset in (("ack", 0.18), ("action", -0.18)):
                values = series[key][kind]
                if not values:
                    continue
                y = index + offset
                ax.boxplot([values], positions=[y], orientation="horizontal", widths=0.28, showfliers=False,
                           patch_artist=True, manage_ticks=False,
                           boxprops={"facecolor": "white", "edgecolor": COLOURS[kind]},
                           medianprops={"color": COLOURS[kind], "linewidth": 1.6},
                           whiskerprops={"color": COLOURS[kind]}, capprops={"color": COLOURS[kind]})
                # A deterministic spread instead of random jitter: the same report draws the same.
                jitter = [((i * 7919) % 11 - 5) * 0.018 for i in range(len(values))]
                ax.scatter(values, [y + j for j in jitter], s=9, color=COLOURS[kind], alpha=0.6, linewidths=0,
                           zorder=3)
        ax.set_yticks(ticks, [names.get(key, key) for key in reversed(keys)])
        ax.set_ylim(-0.6, len(keys) - 0.4)
        ax.set_xlim(left=0)
        ax.set_xlabel("minutes after the inject was released")
        ax.grid(axis="y", visible=False)
        legend = [Line2D([], [], marker="s", linestyle="", color=COLOURS["ack"], label="acknowledged"),
                  Line2D([], [], marker="s", linestyle="", color=COLOURS["action"], label="first expected step done")]
        fig.legend(handles=legend, loc="outside upper center", ncols=2, fontsize=7.5)

    return _svg("response", draw, 1.2 + 0.5 * len(keys))


def all_charts(aar: dict[str, Any]) -> dict[str, str | None]:
    return {"timeline": timeline(aar), "scores": scores(aar), "response_times": response_times(aar)}
