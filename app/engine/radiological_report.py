"""The report's radiological picture: where responders went, what they measured, what dose they took.

Fed the exercise's `responder.moved`, `measurement.taken`, `dose.alarm`, `dose.guidance_reached` and
`source.changed` events in order (by the report, `engine/aar.py`); pure. At the end:

- a figure of the site: the 100 µSv/h and 100 mSv/h isolines at the start and at the end of the
  exercise (they differ when sources were moved, shielded or removed), every responder's track and
  every measurement point;
- every measurement (who, where, when, which instrument, what it showed);
- every responder's dose, integrated along their track from the start (the same model as live),
  against the dose guidance for their task, with the highest rate met;
- every dosimeter alarm and how long the responder took to withdraw: from the alarm to the first
  move ordered after it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import field as field_model
from .dose import DoseAccount, advance_doses
from .guidance import dose_guidance_from_content
from .movement import Track
from .roster import roster

FIGURE_GRID = (160, 160)
FIGURE_LEVELS_USV_H = (100.0, 100_000.0)


class RadiologicalHistory:
    def __init__(self, scenario: Mapping[str, Any], checklist: Mapping[str, Any]):
        self.scenario = scenario
        self.checklist = checklist
        self.moves: dict[str, list[dict]] = {}
        self.measurements: list[dict] = []
        self.alarms: list[dict] = []
        self.guidance: list[dict] = []
        self.changes: list[dict] = []
        self.guidance_set: str | None = None  # the exercise's own choice, else the checklist's default

    TYPES = frozenset({"responder.moved", "measurement.taken", "dose.alarm", "dose.guidance_reached",
                       "source.changed", "exercise.created", "exercise.dose_guidance"})

    def take(self, ev: Mapping[str, Any]) -> None:
        data = ev.get("payload") or ev.get("data") or {}
        kind, at_s = ev["type"], ev.get("exercise_time_s") or 0.0
        entry = {**{k: v for k, v in data.items() if k not in ("client_id", "wall_s")}, "at_s": at_s}
        if kind == "exercise.created":
            self.guidance_set = data.get("dose_guidance") or self.guidance_set
        elif kind == "exercise.dose_guidance":
            self.guidance_set = data.get("set")
        elif kind == "responder.moved" and data.get("responder"):
            self.moves.setdefault(data["responder"], []).append(entry)
        elif kind == "measurement.taken":
            self.measurements.append(entry)
        elif kind == "dose.alarm":
            self.alarms.append(entry)
        elif kind == "dose.guidance_reached":
            self.guidance.append(entry)
        elif kind == "source.changed" and isinstance(data.get("change"), Mapping):
            self.changes.append(dict(data["change"]))

    def section(self, end_s: float) -> dict[str, Any] | None:
        """The report's section, or None when the scenario has no site or nobody moved or measured."""
        site, radiation = self.scenario.get("site"), self.scenario.get("radiation")
        if not site or not (self.moves or self.measurements or self.alarms):
            return None
        responders, _ = roster(self.scenario)
        tracks = {r.id: Track.placed(r.start, 0.0) for r in responders}
        for responder, moves in self.moves.items():
            track = tracks.get(responder)
            if track is None:
                continue
            for move in moves:
                track = track.stop(move["at_s"]) if move.get("kind") == "stop" else \
                    track.move(move["at_s"], move["path"], float(move["speed_m_s"]))
            tracks[responder] = track
        model = field_model.FieldModel.from_content(site, radiation) if radiation else None
        guidance = dose_guidance_from_content(self.checklist.get("dose_guidance"))
        doses = self._doses(responders, tracks, model, guidance, end_s)
        bounds = site.get("bounds") or (model.bounds if model else None)
        return {
            "measurements": sorted(self.measurements, key=lambda m: m["at_s"]),
            "doses": doses,
            "alarms": self._alarms(),
            "guidance": self.guidance,
            "source_changes": self.changes,
            "guidance_set": self.guidance_set or guidance.default,
            "figure": {
                "bounds": list(bounds) if bounds else None,
                "isolines": self._isolines(model, bounds, end_s),
                "tracks": [{"responder": r.id, "name": r.name, "points": _track_points(tracks[r.id], end_s)}
                           for r in responders if r.id in self.moves],
                "measurements": [{"at": m["at"], "display": (m.get("reading") or {}).get("display")}
                                 for m in self.measurements],
                "places": [{"name": p["name"], "at": p["at"]} for p in site.get("places") or []],
            },
        }

    def _doses(self, responders, tracks, model, guidance, end_s: float) -> list[dict[str, Any]]:
        steps = advance_doses([DoseAccount.opened(r.id, 0.0) for r in responders], [tracks[r.id] for r in responders],
                              model, end_s, changes=self.changes,
                              breakpoints=model.breakpoints(self.changes)) if model is not None else None
        rows = []
        for index, responder in enumerate(responders):
            account = steps[index].account if steps else None
            try:
                limit = guidance.limit(responder.task, self.guidance_set).limit_mSv
            except ValueError:
                limit = None
            dose_mSv = account.dose_uSv / 1000.0 if account else 0.0
            rows.append({"responder": responder.id, "name": responder.name, "team": responder.team,
                         "task": responder.task, "limit_mSv": limit, "dose_mSv": round(dose_mSv, 4),
                         "fraction": round(dose_mSv / limit, 4) if limit else None,
                         "max_rate_uSv_h": round(account.max_rate_uSv_h, 2) if account else 0.0,
                         "max_rate_at_s": account.max_rate_at_s if account else None,
                         "moved": responder.id in self.moves})
        return sorted(rows, key=lambda row: (-row["dose_mSv"], row["responder"]))

    def _alarms(self) -> list[dict[str, Any]]:
        """Each alarm that sounded, with how long until its responder was ordered away (None: never)."""
        out = []
        for alarm in self.alarms:
            if alarm.get("alarm") == "off":
                continue
            later = [m for m in self.moves.get(alarm.get("responder"), []) if m["at_s"] >= alarm["at_s"]]
            out.append({**{k: alarm.get(k) for k in ("responder", "name", "team", "kind", "display", "at")},
                        "at_s": alarm["at_s"],
                        "withdrew_after_s": round(later[0]["at_s"] - alarm["at_s"], 1) if later else None})
        return out

    def _isolines(self, model, bounds, end_s: float) -> list[dict[str, Any]]:
        if model is None or not bounds:
            return []
        out = []
        times = [0.0, end_s] if self.changes or end_s > 0 else [0.0]
        for when, t_s in zip(("start", "end"), times):
            changes = [c for c in self.changes if c["at_s"] <= t_s]
            grid = model.grid(tuple(bounds), FIGURE_GRID, t_s, changes)
            lines = field_model.isolines(grid, tuple(bounds), FIGURE_LEVELS_USV_H)
            for feature in lines["features"]:
                for line in feature["geometry"]["coordinates"]:
                    if len(line) > 1:
                        out.append({"when": when, "at_s": t_s, "label": feature["properties"]["label"],
                                    "level_uSv_h": feature["properties"]["level_usv_h"], "points": line})
        return out


def _track_points(track: Track, end_s: float) -> list[list[float]]:
    points = [[round(k.x, 1), round(k.y, 1)] for k in track.knots if k.t_s <= end_s]
    x, y = track.position_at(end_s)
    if not points or points[-1] != [round(x, 1), round(y, 1)]:
        points.append([round(x, 1), round(y, 1)])
    return points
