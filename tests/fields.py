"""Small analytic radiation fields with the protocol of ``app.engine.dose.RadiationField``.

Each has a closed form, so dose integration and instruments are checked against exact values.
Rates in µSv/h, positions in site metres, times in exercise seconds.
"""
import math

import numpy as np


class UniformField:
    """The same rate everywhere and always."""

    def __init__(self, rate_uSv_h: float, nuclide: str = "Cs-137", deposition_Bq_m2: dict | None = None):
        self.rate = rate_uSv_h
        self.nuclide = nuclide
        self.deposition = dict(deposition_Bq_m2 or {})

    def rate_at(self, x, y, t_s, changes=()):
        return self.rate

    def rates_at(self, xs, ys, t_s, changes=()):
        return np.full(np.shape(xs), self.rate, dtype=float)

    def contributions_at(self, x, y, t_s, changes=()):
        return {self.nuclide: self.rate}

    def deposition_at(self, x, y, t_s):
        return dict(self.deposition)


class PointSourceField:
    """A point source at (x0, y0): ``k / max(r, r_min)**2`` (k in µSv/h at 1 m) over a uniform background."""

    def __init__(self, x0=0.0, y0=0.0, k_uSv_h_m2=1000.0, background_uSv_h=0.0, nuclide="Cs-137", r_min=0.3):
        self.x0, self.y0, self.k, self.background, self.nuclide, self.r_min = x0, y0, k_uSv_h_m2, background_uSv_h, nuclide, r_min

    def source_rate(self, xs, ys):
        r2 = np.maximum((np.asarray(xs, dtype=float) - self.x0) ** 2 + (np.asarray(ys, dtype=float) - self.y0) ** 2, self.r_min**2)
        return self.k / r2

    def rate_at(self, x, y, t_s, changes=()):
        return float(self.background + self.source_rate(x, y))

    def rates_at(self, xs, ys, t_s, changes=()):
        return self.background + self.source_rate(xs, ys)

    def contributions_at(self, x, y, t_s, changes=()):
        return {self.nuclide: float(self.source_rate(x, y))}

    def deposition_at(self, x, y, t_s):
        return {}


class StepInTimeField:
    """A uniform rate that changes from ``before`` to ``after`` at exercise time ``at_s`` (a source shielded, say)."""

    def __init__(self, before, after, at_s):
        self.before, self.after, self.at_s = before, after, at_s

    def rate_at(self, x, y, t_s, changes=()):
        return self.after if t_s >= self.at_s else self.before

    def rates_at(self, xs, ys, t_s, changes=()):
        return np.full(np.shape(xs), self.rate_at(0, 0, t_s), dtype=float)

    def contributions_at(self, x, y, t_s, changes=()):
        return {"Cs-137": self.rate_at(x, y, t_s)}

    def deposition_at(self, x, y, t_s):
        return {}


class HalfPlaneField:
    """``high`` where x > 0, ``low`` elsewhere: a hot zone with a sharp edge."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def rates_at(self, xs, ys, t_s, changes=()):
        return np.where(np.asarray(xs, dtype=float) > 0, self.high, self.low).astype(float)

    def rate_at(self, x, y, t_s, changes=()):
        return float(self.rates_at(np.array([x]), np.array([y]), t_s)[0])

    def contributions_at(self, x, y, t_s, changes=()):
        return {"Cs-137": self.rate_at(x, y, t_s)}

    def deposition_at(self, x, y, t_s):
        return {}


class DecayingField:
    """A uniform rate decaying with a half-life: checks the field's own time dependence."""

    def __init__(self, rate0, half_life_s):
        self.rate0, self.half_life_s = rate0, half_life_s

    def rate_at(self, x, y, t_s, changes=()):
        return self.rate0 * 2.0 ** (-t_s / self.half_life_s)

    def rates_at(self, xs, ys, t_s, changes=()):
        return np.full(np.shape(xs), self.rate_at(0, 0, t_s), dtype=float)

    def contributions_at(self, x, y, t_s, changes=()):
        return {"Tc-99m": self.rate_at(x, y, t_s)}

    def deposition_at(self, x, y, t_s):
        return {}

    def dose_uSv(self, t0, t1):
        lam = math.log(2) / self.half_life_s
        return self.rate0 / lam * (math.exp(-lam * t0) - math.exp(-lam * t1)) / 3600.0


class CountingField:
    """Wraps a field and counts its vectorised calls and points (to check batching)."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0
        self.points = 0

    def rate_at(self, x, y, t_s, changes=()):
        return self.inner.rate_at(x, y, t_s, changes)

    def rates_at(self, xs, ys, t_s, changes=()):
        self.calls += 1
        self.points += len(xs)
        return self.inner.rates_at(xs, ys, t_s, changes)

    def contributions_at(self, x, y, t_s, changes=()):
        return self.inner.contributions_at(x, y, t_s, changes)

    def deposition_at(self, x, y, t_s):
        return self.inner.deposition_at(x, y, t_s)
