"""Gaussian-plume ground deposition for a short release, computed when a scenario is loaded.

A release of activity Q (Bq) at height H is carried by a wind of speed u; the time-integrated air
concentration at ground level, with full reflection from the ground, is

    χ(x, y) = Q / (π u σy σz) · exp(−y² / 2σy²) · exp(−H² / 2σz²)      (Bq·s/m³)

at downwind distance x and crosswind distance y, with Briggs' rural dispersion parameters σy(x),
σz(x) for Pasquill stability classes A–F. The deposited activity is v_d · χ (Bq/m²) with the
deposition velocity v_d. An initial cloud size σ0 (an explosive release is not a point) is added
in quadrature to σy and σz. Not modelled: plume depletion by deposition (overestimates far out),
buildings, terrain, changing wind, rain. A training picture, not a dispersion code.
"""
import math

import numpy as np

__all__ = ["BRIGGS_RURAL", "STABILITY_CLASSES", "downwind_axes", "plume_deposition", "sigma_y", "sigma_z"]

# Briggs (1973) rural σ formulas, x in metres (as tabulated by GasDispersion.jl, briggs.jl):
# class: (a_y, a_z, b_z, z_form) with σy = a_y x (1 + 0.0001 x)^-½ and σz by z_form.
BRIGGS_RURAL = {
    "A": (0.22, 0.20, 0.0, "linear"),
    "B": (0.16, 0.12, 0.0, "linear"),
    "C": (0.11, 0.08, 0.0002, "sqrt"),
    "D": (0.08, 0.06, 0.0015, "sqrt"),
    "E": (0.06, 0.03, 0.0003, "ratio"),
    "F": (0.04, 0.016, 0.0003, "ratio"),
}
STABILITY_CLASSES = tuple(BRIGGS_RURAL)


def sigma_y(x, stability: str):
    """Briggs rural horizontal dispersion σy (m) at downwind distance x (m)."""
    a_y = BRIGGS_RURAL[stability][0]
    x = np.asarray(x, dtype=float)
    return a_y * x / np.sqrt(1.0 + 0.0001 * x)


def sigma_z(x, stability: str):
    """Briggs rural vertical dispersion σz (m) at downwind distance x (m)."""
    _, a_z, b_z, form = BRIGGS_RURAL[stability]
    x = np.asarray(x, dtype=float)
    if form == "linear":
        return a_z * x
    if form == "sqrt":
        return a_z * x / np.sqrt(1.0 + b_z * x)
    return a_z * x / (1.0 + b_z * x)


def downwind_axes(wind_from_deg: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Unit vectors (downwind, crosswind to the left) in site axes (x east, y north) for a wind
    blowing *from* `wind_from_deg` (meteorological: degrees clockwise from north)."""
    theta = math.radians(wind_from_deg)
    downwind = (-math.sin(theta), -math.cos(theta))
    return downwind, (-downwind[1], downwind[0])


def plume_deposition(xs, ys, *, release: tuple[float, float], activity_bq: float, wind_from_deg: float,
                     wind_speed_m_s: float, stability: str, release_height_m: float = 0.0,
                     deposition_velocity_m_s: float = 0.003, initial_sigma_m: float = 0.0) -> np.ndarray:
    """Deposited activity (Bq/m²) at the points (xs, ys), site metres; zero upwind of the release."""
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    (ux, uy), (cx, cy) = downwind_axes(wind_from_deg)
    dx = xs - release[0]
    dy = ys - release[1]
    along = dx * ux + dy * uy
    across = dx * cx + dy * cy
    downwind = along > 0
    x = np.where(downwind, along, 1.0)  # placeholder upwind, masked below
    s_y = np.sqrt(sigma_y(x, stability) ** 2 + initial_sigma_m ** 2)
    s_z = np.sqrt(sigma_z(x, stability) ** 2 + initial_sigma_m ** 2)
    chi = (activity_bq / (math.pi * wind_speed_m_s * s_y * s_z)
           * np.exp(-across ** 2 / (2 * s_y ** 2))
           * np.exp(-release_height_m ** 2 / (2 * s_z ** 2)))
    return np.where(downwind, deposition_velocity_m_s * chi, 0.0)
