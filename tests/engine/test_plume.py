"""Gaussian-plume deposition against a hand calculation, and its shape."""
import math

import numpy as np
import pytest

from app.engine.field import FieldModel
from app.engine.plume import downwind_axes, plume_deposition, sigma_y, sigma_z

RELEASE = dict(release=(0.0, 0.0), activity_bq=2e12, wind_from_deg=270.0, wind_speed_m_s=3.0, stability="D",
               release_height_m=0.0, deposition_velocity_m_s=0.003)


def test_briggs_rural_sigmas_for_class_d_at_500_m_by_hand():
    # σy = 0.08·500/√(1 + 0.0001·500) = 40/√1.05 = 39.036; σz = 0.06·500/√(1 + 0.0015·500) = 30/√1.75 = 22.678
    assert float(sigma_y(500, "D")) == pytest.approx(39.036, abs=1e-3)
    assert float(sigma_z(500, "D")) == pytest.approx(22.678, abs=1e-3)
    # class F: σz = 0.016·x/(1 + 0.0003·x) = 8/1.15 = 6.957 at 500 m
    assert float(sigma_z(500, "F")) == pytest.approx(6.957, abs=1e-3)


def test_a_west_wind_carries_the_plume_east():
    downwind, crosswind = downwind_axes(270.0)
    assert downwind == pytest.approx((1.0, 0.0)) and crosswind == pytest.approx((0.0, 1.0))
    assert downwind_axes(0.0)[0] == pytest.approx((0.0, -1.0))  # a north wind blows south


def test_deposition_at_one_point_matches_a_hand_calculation():
    # 500 m downwind (east), 20 m to the side, ground release:
    # χ = Q/(π u σy σz) · exp(−y²/2σy²) = 2e12/(π·3·39.036·22.678) · exp(−400/(2·1523.8))
    #   = 2e12/8343.6 · 0.87702 = 2.1023e8 Bq·s/m³; deposit = 0.003 · χ = 6.307e5 Bq/m²
    deposit = plume_deposition([500.0], [20.0], **RELEASE)[0]
    assert deposit == pytest.approx(6.307e5, rel=2e-3)


def test_nothing_is_deposited_upwind_and_the_footprint_is_symmetric_across_the_wind():
    values = plume_deposition([-100.0, 300.0, 300.0, 300.0], [0.0, 40.0, -40.0, 0.0], **RELEASE)
    assert values[0] == 0.0
    assert values[1] == pytest.approx(values[2], rel=1e-12) and values[3] > values[1]


def test_an_elevated_release_deposits_less_near_the_source():
    ground = plume_deposition([100.0], [0.0], **RELEASE)[0]
    high = plume_deposition([100.0], [0.0], **{**RELEASE, "release_height_m": 20.0})[0]
    assert high < ground / 10


def test_the_model_reads_a_plume_from_its_raster_and_converts_it_with_the_ground_factor():
    item = {"kind": "plume", "release": [0.0, 0.0], "nuclide": "Cs-137", "activity_bq": 2e12,
            "wind_from_deg": 270.0, "wind_speed_m_s": 3.0, "stability": "D", "deposition_velocity_m_s": 0.003,
            "initial_sigma_m": 0.0, "at_s": 0.0}
    field = FieldModel.from_content({"bounds": [-1000, -1000, 1000, 1000]},
                                    {"background_usv_h": 0.0, "sources": [], "shields": [], "deposition": [item]})
    read = field.deposition_at(500.0, 20.0, 0.0)["Cs-137"]
    assert read == pytest.approx(6.307e5, rel=0.01)  # the raster (2.5 m cells) is interpolated
    from app.engine.nuclides import get_nuclide
    assert field.rate_at(500.0, 20.0, 0.0) == pytest.approx(read * get_nuclide("Cs-137").ground.value, rel=1e-12)
    assert math.isclose(field.deposition_at(-500.0, 0.0, 0.0)["Cs-137"], 0.0)
    assert np.isfinite(field.grid(None, (50, 50), 0.0)).all()
