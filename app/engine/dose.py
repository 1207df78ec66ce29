"""Responders' dose (DESIGN.md §10): H*(10) integrated along each track, advanced incrementally.

**The field.** Everything here takes any object with the ``RadiationField`` protocol below (the
scenario's field model in ``engine/field.py`` is one; tests use small analytic fields): the
ambient dose equivalent rate in µSv/h at a point and exercise time, one point or many at once.
The dose of a responder is ``∫ Ḣ(position(t), t) dt`` along the track (Hp(10) ≈ H*(10): a
training tool does not model the body's own shielding). Doses are kept in µSv.

**Incremental.** A ``DoseAccount`` holds a responder's dose up to its time ``t_s``. A scheduler
pass calls ``advance_doses(accounts, tracks, field, t_s)`` with every responder at once, which
integrates only from each account's time to ``t_s``: the cost of a pass depends on the
interval, never on how long the exercise has run.

**How the integral is computed.** Each interval is cut into panels:

1. at *field windows*: the field's own time dependence (decay) is slow, so within a window of at
   most ``field_step_s`` (60 s; also cut at every ``breakpoint``, the times where the field
   changes stepwise: a source moved, shielded, removed) the field is evaluated at the window's
   mid-time. Decay over 60 s changes a rate by under 0.2 % even for Tc-99m (6 h);
2. at every knot of the track (where the responder starts, stops or turns);
3. a standing panel is exact with one evaluation (the rate is constant there);
4. a walking panel is cut into pieces of at most ``max_step_m`` metres, then integrated by
   adaptive Simpson: each panel's Simpson value on 3 and on 5 points are compared, and a panel
   whose difference exceeds ``rel_tol`` of its value is halved, recursively. Near a source the
   rate changes fast along the walk, so exactly there the panels become short. The maximum
   step bounds what a coarse sample could miss: a source between two samples raises the
   samples next to it by a large factor (the 1/r² shape is the same at every scale), which
   the comparison catches; only a source much weaker than the background could hide there.

All sample points of all responders that share a field time go to ``field.rates_at`` in one
call, so 500 responders cost a handful of vectorised calls per pass.

**History.** Each advance may produce a ``DoseSample`` (time, dose, rate) for the dose history:
when ``history_interval_s`` has passed since the last sample or the rate changed by more than
``history_rate_factor``. The account keeps the maximum rate seen and when.

**Alarms of a personal dosimeter.** ``update_alarms`` is the state machine of an electronic
personal dosimeter: rate alarms with separate on and off thresholds (hysteresis, as the Thermo
EPD Mk2 technical handbook EPD/HB/40521/000 §3.5.1 describes), so a rate hovering at a threshold
does not chatter; dose alarms latch. Alarm changes become ``dose.alarm`` events in the service.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from .clock import ExerciseClock
from .movement import Track

SECONDS_PER_HOUR = 3600.0


@runtime_checkable
class RadiationField(Protocol):
    """What dose integration and instruments need of a radiation field (H*(10) at 1 m height).

    ``t_s`` is exercise seconds; ``changes`` are the live source changes, passed through as given.
    """

    def rate_at(self, x: float, y: float, t_s: float, changes: Sequence = ()) -> float:
        """H*(10) rate in µSv/h at one point."""

    def rates_at(self, xs: np.ndarray, ys: np.ndarray, t_s: float, changes: Sequence = ()) -> np.ndarray:
        """H*(10) rates in µSv/h at many points, one time."""

    def contributions_at(self, x: float, y: float, t_s: float, changes: Sequence = ()) -> dict[str, float]:
        """The gamma rate at one point split by nuclide, µSv/h."""

    def deposition_at(self, x: float, y: float, t_s: float) -> dict[str, float]:
        """Decayed ground contamination at one point by nuclide, Bq/m²."""


@dataclass(frozen=True)
class IntegrationSettings:
    """How finely doses are integrated (see the module docstring)."""

    rel_tol: float = 1e-3  # per panel, relative to the panel's dose
    max_step_m: float = 20.0  # longest walking panel before adaptive refinement
    field_step_s: float = 60.0  # longest time the field is held at one time
    min_panel_s: float = 1e-3  # refinement stops here (a step edge of a shield, say)
    max_levels: int = 40
    history_interval_s: float = 30.0
    history_rate_factor: float = 1.25

    def __post_init__(self) -> None:
        for name in ("rel_tol", "max_step_m", "field_step_s", "min_panel_s", "history_interval_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number")
        if not self.history_rate_factor > 1:
            raise ValueError("history_rate_factor must be more than 1")

    def halved(self) -> IntegrationSettings:
        """The same settings with every step halved (to check that the dose has converged)."""
        return replace(
            self,
            rel_tol=self.rel_tol / 2,
            max_step_m=self.max_step_m / 2,
            field_step_s=self.field_step_s / 2,
            min_panel_s=self.min_panel_s / 2,
        )


DEFAULT_SETTINGS = IntegrationSettings()


@dataclass(frozen=True)
class DoseAccount:
    """A responder's dose so far: integrated up to exercise time ``t_s``."""

    responder: str
    t_s: float
    dose_uSv: float = 0.0
    rate_uSv_h: float = 0.0  # at t_s
    max_rate_uSv_h: float = 0.0
    max_rate_at_s: float | None = None
    sampled_at_s: float | None = None  # last history sample
    sampled_rate_uSv_h: float | None = None

    @classmethod
    def opened(cls, responder: str, t_s: float) -> DoseAccount:
        """A new account: no dose before ``t_s`` (when the responder was placed)."""
        if not math.isfinite(t_s):
            raise ValueError("t_s must be finite")
        return cls(responder=responder, t_s=float(t_s))


@dataclass(frozen=True)
class DoseSample:
    """One point of a responder's dose history."""

    responder: str
    t_s: float
    dose_uSv: float
    rate_uSv_h: float


@dataclass(frozen=True)
class DoseStep:
    """What one advance did to one account."""

    account: DoseAccount  # the account after the advance
    added_uSv: float
    peak_uSv_h: float  # highest rate met during this advance (for rate alarms)
    sample: DoseSample | None


# -- evaluation ------------------------------------------------------------------------------


def _rates(field: RadiationField, xs: np.ndarray, ys: np.ndarray, taus: np.ndarray, changes) -> np.ndarray:
    """Rates at points with their own field times: one ``rates_at`` call per distinct time."""
    if len(xs) == 0:
        return np.empty(0)
    first = taus[0]
    if np.all(taus == first):
        return np.asarray(field.rates_at(xs, ys, float(first), changes), dtype=float).reshape(len(xs))
    out = np.empty(len(xs))
    order = np.argsort(taus, kind="stable")
    sorted_taus = taus[order]
    cuts = np.flatnonzero(np.diff(sorted_taus)) + 1
    for group in np.split(order, cuts):
        tau = float(taus[group[0]])
        out[group] = np.asarray(field.rates_at(xs[group], ys[group], tau, changes), dtype=float).reshape(len(group))
    return out


def _window_bounds(t0: float, t1: float, step: float, breakpoints: np.ndarray) -> list[float]:
    """Cut [t0, t1] at the field-step grid (multiples of ``step``) and at breakpoints."""
    cuts = {t0, t1}
    k0 = math.floor(t0 / step) + 1
    k1 = math.ceil(t1 / step) - 1
    for k in range(k0, k1 + 1):
        cuts.add(k * step)
    if len(breakpoints):
        lo, hi = np.searchsorted(breakpoints, [t0, t1], side="right")
        cuts.update(float(b) for b in breakpoints[lo:hi] if t0 < b < t1)
    return sorted(c for c in cuts if t0 <= c <= t1)


class _Panels:
    """Panels collected per responder, turned into numpy arrays once all are known."""

    def __init__(self) -> None:
        self.still: list[tuple] = []  # (responder index, t0, t1, x, y, tau)
        self.moving: list[tuple] = []  # (responder index, t0, t1, x0, y0, vx, vy, tau, pieces)

    def add(self, i: int, c0: float, c1: float, p0, p1, tau: float, max_step_m: float) -> None:
        (x0, y0), (x1, y1) = p0, p1
        if x0 == x1 and y0 == y1:
            self.still.append((i, c0, c1, x0, y0, tau))
            return
        dt = c1 - c0
        pieces = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / max_step_m))
        self.moving.append((i, c0, c1, x0, y0, (x1 - x0) / dt, (y1 - y0) / dt, tau, pieces))

    def moving_pieces(self) -> tuple[np.ndarray, ...]:
        """Straight walks cut into their pieces: (responder, a, b, x0, y0, vx, vy, tau, t_ref) arrays.

        The position on a piece is ``(x0, y0) + (vx, vy) × (t − t_ref)``: every piece (and every
        half of it later) keeps the walk's start as its reference.
        """
        cols = np.array(self.moving, dtype=float).T
        pieces = cols[8].astype(int)
        walk = np.repeat(np.arange(len(pieces)), pieces)
        k = np.arange(len(walk)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        c0, c1, n = cols[1][walk], cols[2][walk], pieces[walk]
        a = c0 + (c1 - c0) * k / n
        b = np.where(k == n - 1, c1, c0 + (c1 - c0) * (k + 1) / n)
        r, x0, y0, vx, vy, tau = (cols[j][walk] for j in (0, 3, 4, 5, 6, 7))
        return r.astype(int), a, b, x0, y0, vx, vy, tau, c0


def _integrate_moving(field, panels: _Panels, changes, settings: IntegrationSettings, n: int):
    """Adaptive Simpson over all walking panels at once; returns (integrals µSv·s/h, sample arrays)."""
    totals = np.zeros(n)
    seen_r: list[np.ndarray] = []
    seen_t: list[np.ndarray] = []
    seen_f: list[np.ndarray] = []
    if not panels.moving:
        return totals, seen_r, seen_t, seen_f
    r, a, b, x0, y0, vx, vy, tau, t0 = panels.moving_pieces()

    def rates_at_times(ts_list):
        ts = np.concatenate(ts_list)
        k = len(ts_list)
        xs = np.tile(x0, k) + np.tile(vx, k) * (ts - np.tile(t0, k))
        ys = np.tile(y0, k) + np.tile(vy, k) * (ts - np.tile(t0, k))
        f = _rates(field, xs, ys, np.tile(tau, k), changes)
        seen_r.append(np.tile(r, k))
        seen_t.append(ts)
        seen_f.append(f)
        return np.split(f, k)

    h = b - a
    fa, f1, fm, f3, fb = rates_at_times([a, a + h / 4, a + h / 2, a + 3 * h / 4, b])
    for _level in range(settings.max_levels):
        h = b - a
        s1 = h / 6 * (fa + 4 * fm + fb)
        s2 = h / 12 * (fa + 4 * f1 + 2 * fm + 4 * f3 + fb)
        # The plain difference, not the asymptotic |s2 - s1| / 15: a panel over a sharp peak can
        # have Simpson values that agree by chance while both are several per cent off.
        done = (np.abs(s2 - s1) <= settings.rel_tol * np.abs(s2)) | (h <= settings.min_panel_s)
        totals += np.bincount(r[done], s2[done] + (s2[done] - s1[done]) / 15, minlength=n)
        more = ~done
        if not more.any():
            break
        # Halve the panels that failed: each half reuses three of the parent's five values.
        r, a, b, x0, y0, vx, vy, tau, t0 = (v[more] for v in (r, a, b, x0, y0, vx, vy, tau, t0))
        fa, f1, fm, f3, fb = (v[more] for v in (fa, f1, fm, f3, fb))
        m = (a + b) / 2
        quarter = np.concatenate([b - a, b - a]) / 8
        r, x0, y0, vx, vy, tau, t0 = (np.concatenate([v, v]) for v in (r, x0, y0, vx, vy, tau, t0))
        a, b = np.concatenate([a, m]), np.concatenate([m, b])
        q1, q3 = rates_at_times([a + quarter, a + 3 * quarter])
        fa, fm, fb = np.concatenate([fa, fm]), np.concatenate([f1, f3]), np.concatenate([fm, fb])
        f1, f3 = q1, q3
    else:
        # Out of levels (never with sane settings): take the best estimate there is.
        h = b - a
        totals += np.bincount(r, h / 12 * (fa + 4 * f1 + 2 * fm + 4 * f3 + fb), minlength=n)
    return totals, seen_r, seen_t, seen_f


# -- advancing -------------------------------------------------------------------------------


def advance_doses(
    accounts: Sequence[DoseAccount],
    tracks: Sequence[Track],
    field: RadiationField,
    t_s: float,
    *,
    changes: Sequence = (),
    breakpoints: Sequence[float] = (),
    settings: IntegrationSettings = DEFAULT_SETTINGS,
) -> list[DoseStep]:
    """Advance every account to exercise time ``t_s`` along its track (``tracks[i]`` is ``accounts[i]``'s).

    An account already at or past ``t_s`` is returned unchanged (nothing added). ``breakpoints``
    are times where the field changes stepwise; the integration never holds the field across one.
    """
    if len(accounts) != len(tracks):
        raise ValueError("one track per account")
    if not math.isfinite(t_s):
        raise ValueError("t_s must be finite")
    t_s = float(t_s)
    n = len(accounts)
    bps = np.unique(np.asarray(breakpoints, dtype=float)) if len(breakpoints) else np.empty(0)
    panels = _Panels()
    advancing: list[int] = []
    now_xs: list[float] = []
    now_ys: list[float] = []
    bounds_for: dict[float, list[float]] = {}  # accounts advanced together share their windows
    for i, (account, track) in enumerate(zip(accounts, tracks)):
        t0 = account.t_s
        if t_s <= t0:
            continue
        bounds = bounds_for.get(t0)
        if bounds is None:
            bounds = bounds_for[t0] = _window_bounds(t0, t_s, settings.field_step_s, bps)
        start, end, inside = track.span(t0, t_s)
        advancing.append(i)
        now_xs.append(end[0])
        now_ys.append(end[1])
        if len(bounds) == 2 and not inside:  # the usual pass: one window, one straight piece
            panels.add(i, t0, t_s, start, end, (t0 + t_s) / 2, settings.max_step_m)
            continue
        for w0, w1 in zip(bounds, bounds[1:]):
            tau = (w0 + w1) / 2
            p0, _, knots_inside = track.span(w0, w1)
            cuts = [w0, *knots_inside, w1]
            for c0, c1 in zip(cuts, cuts[1:]):
                p1 = track.position_at(c1)
                panels.add(i, c0, c1, p0, p1, tau, settings.max_step_m)
                p0 = p1

    integrals = np.zeros(n)
    seen_r: list[np.ndarray] = []
    seen_t: list[np.ndarray] = []
    seen_f: list[np.ndarray] = []
    if panels.still:
        cols = np.array(panels.still, dtype=float).T
        r = cols[0].astype(int)
        f = _rates(field, cols[3], cols[4], cols[5], changes)
        integrals += np.bincount(r, f * (cols[2] - cols[1]), minlength=n)
        seen_r.append(r)
        seen_t.append(cols[2])  # a standing rate holds over the whole panel; stamp its end
        seen_f.append(f)
    moving, mr, mt, mf = _integrate_moving(field, panels, changes, settings, n)
    integrals += moving
    seen_r += mr
    seen_t += mt
    seen_f += mf

    # The rate now, at each responder's position at t_s and the field at t_s exactly.
    now = np.zeros(n)
    if advancing:
        now_rates = _rates(field, np.array(now_xs), np.array(now_ys), np.full(len(advancing), t_s), changes)
        now[advancing] = now_rates
        seen_r.append(np.array(advancing))
        seen_t.append(np.full(len(advancing), t_s))
        seen_f.append(now_rates)

    peak = np.zeros(n)
    peak_at = np.full(n, np.nan)
    if seen_r:
        rr, tt, ff = np.concatenate(seen_r), np.concatenate(seen_t), np.concatenate(seen_f)
        order = np.lexsort((tt, ff, rr))  # by responder, then rate, then time
        last = np.flatnonzero(np.r_[rr[order][1:] != rr[order][:-1], True])
        best = order[last]
        peak[rr[best]] = ff[best]
        peak_at[rr[best]] = tt[best]

    steps: list[DoseStep] = []
    for i, account in enumerate(accounts):
        if t_s <= account.t_s:
            steps.append(DoseStep(account, 0.0, 0.0, None))
            continue
        added = float(integrals[i]) / SECONDS_PER_HOUR
        rate = float(now[i])
        dose = account.dose_uSv + added
        max_rate, max_at = account.max_rate_uSv_h, account.max_rate_at_s
        if peak[i] > max_rate or max_at is None:
            max_rate, max_at = float(peak[i]), float(peak_at[i])
        sample = None
        if _time_to_sample(account, t_s, rate, settings):
            sample = DoseSample(account.responder, t_s, dose, rate)
        updated = DoseAccount(
            account.responder,
            t_s,
            dose,
            rate,
            max_rate,
            max_at,
            t_s if sample else account.sampled_at_s,
            rate if sample else account.sampled_rate_uSv_h,
        )
        steps.append(DoseStep(updated, added, float(peak[i]), sample))
    return steps


def _time_to_sample(account: DoseAccount, t_s: float, rate: float, settings: IntegrationSettings) -> bool:
    if account.sampled_at_s is None or account.sampled_rate_uSv_h is None:
        return True
    if t_s - account.sampled_at_s >= settings.history_interval_s:
        return True
    before = account.sampled_rate_uSv_h
    factor = settings.history_rate_factor
    return rate > before * factor or rate * factor < before


def dose_along(
    track: Track,
    field: RadiationField,
    t0_s: float,
    t1_s: float,
    *,
    changes: Sequence = (),
    breakpoints: Sequence[float] = (),
    settings: IntegrationSettings = DEFAULT_SETTINGS,
) -> float:
    """Dose in µSv along ``track`` from ``t0_s`` to ``t1_s`` (one responder, one call)."""
    account = DoseAccount.opened("-", t0_s)
    (step,) = advance_doses([account], [track], field, t1_s, changes=changes, breakpoints=breakpoints, settings=settings)
    return step.added_uSv


def advance_doses_to_wall_time(
    accounts: Sequence[DoseAccount],
    tracks: Sequence[Track],
    field: RadiationField,
    clock: ExerciseClock,
    now: datetime,
    **kwargs,
) -> list[DoseStep]:
    """Advance to the exercise time the clock shows at wall time ``now``.

    A paused (or ended) clock shows a frozen time, so a pass while paused adds nothing; at speed
    60 a real second is a minute of exercise time and of dose.
    """
    return advance_doses(accounts, tracks, field, clock.elapsed(now), **kwargs)


# -- a personal dosimeter's alarms -----------------------------------------------------------


@dataclass(frozen=True)
class RateAlarmLevel:
    """A dose-rate alarm: sounds at ``on_uSv_h``, stops when the rate falls below ``off_uSv_h``."""

    on_uSv_h: float
    off_uSv_h: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.on_uSv_h) and self.on_uSv_h > 0):
            raise ValueError("a rate alarm's on threshold must be a positive number")
        if not (0 < self.off_uSv_h <= self.on_uSv_h):
            raise ValueError("a rate alarm's off threshold must be positive and not above its on threshold")


# Defaults for a responder's dosimeter in an exercise (each is configurable per instrument):
# 100 µSv/h is where IAEA guidance for first responders puts the safety perimeter, 100 mSv/h the
# level not to enter (EPR-First Responders 2006); off at 80 % of on, the hysteresis the EPD Mk2
# handbook describes. Dose: 1 mSv (the public's annual limit, GSR Part 3) as a first warning and
# 20 mSv (the occupational annual limit averaged over five years, GSR Part 3) as a second.
DEFAULT_RATE_ALARMS = (RateAlarmLevel(100.0, 80.0), RateAlarmLevel(100_000.0, 80_000.0))
DEFAULT_DOSE_ALARMS_USV = (1_000.0, 20_000.0)


@dataclass(frozen=True)
class AlarmThresholds:
    rate: tuple[RateAlarmLevel, ...] = DEFAULT_RATE_ALARMS
    dose_uSv: tuple[float, ...] = DEFAULT_DOSE_ALARMS_USV

    def __post_init__(self) -> None:
        ons = [level.on_uSv_h for level in self.rate]
        if ons != sorted(ons) or len(set(ons)) != len(ons):
            raise ValueError("rate alarm levels must have increasing on thresholds")
        doses = list(self.dose_uSv)
        if any(not (math.isfinite(d) and d > 0) for d in doses) or doses != sorted(set(doses)):
            raise ValueError("dose alarm levels must be increasing positive numbers")


@dataclass(frozen=True)
class AlarmState:
    """Which rate alarms sound now, and how many dose alarm levels were reached (they latch)."""

    rate_on: tuple[bool, ...] = ()
    dose_levels_reached: int = 0

    @property
    def alarming(self) -> bool:
        return any(self.rate_on) or self.dose_levels_reached > 0


@dataclass(frozen=True)
class AlarmChange:
    """One change of a dosimeter's alarm: becomes a ``dose.alarm`` event."""

    kind: Literal["rate", "dose"]
    level: int  # 1 = the lowest threshold
    threshold: float  # µSv/h for rate, µSv for dose
    state: Literal["on", "off", "brief"]  # brief: sounded and stopped within one advance
    value: float  # the rate (µSv/h) or dose (µSv) that caused it


def update_alarms(
    state: AlarmState,
    thresholds: AlarmThresholds,
    *,
    dose_uSv: float,
    rate_uSv_h: float,
    peak_uSv_h: float | None = None,
) -> tuple[AlarmState, list[AlarmChange]]:
    """The dosimeter's alarms after an advance: ``rate_uSv_h`` now, ``peak_uSv_h`` the highest on the way.

    A rate alarm comes on at its on threshold and goes off only below its off threshold. A rate
    that crossed the on threshold during the advance but is below it again now is reported as a
    ``brief`` alarm (the dosimeter beeped as its wearer walked past a source). Dose alarms latch.
    """
    peak = rate_uSv_h if peak_uSv_h is None else max(peak_uSv_h, rate_uSv_h)
    was = tuple(state.rate_on) + (False,) * (len(thresholds.rate) - len(state.rate_on))
    changes: list[AlarmChange] = []
    rate_on = []
    for k, (level, on_before) in enumerate(zip(thresholds.rate, was), start=1):
        on = rate_uSv_h >= level.on_uSv_h or (on_before and rate_uSv_h >= level.off_uSv_h)
        rate_on.append(on)
        if on and not on_before:
            changes.append(AlarmChange("rate", k, level.on_uSv_h, "on", rate_uSv_h))
        elif on_before and not on:
            changes.append(AlarmChange("rate", k, level.off_uSv_h, "off", rate_uSv_h))
        elif not on and not on_before and peak >= level.on_uSv_h:
            changes.append(AlarmChange("rate", k, level.on_uSv_h, "brief", peak))
    reached = sum(1 for d in thresholds.dose_uSv if dose_uSv >= d)
    reached = max(reached, state.dose_levels_reached)
    for k in range(state.dose_levels_reached + 1, reached + 1):
        changes.append(AlarmChange("dose", k, thresholds.dose_uSv[k - 1], "on", dose_uSv))
    return AlarmState(tuple(rate_on), reached), changes
