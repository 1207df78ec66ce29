"""Simulated instruments (DESIGN.md §10): what a responder's meter shows at a place and time.

A reading is a pure function of the truth (the field's values where and when it was taken), the
instrument's kind and settings, and a seed made from (exercise id, instrument id, time bucket):
``read(instrument, truth, seed) -> Reading``. The seed drives a deterministic fluctuation shaped
like the real instrument's counting statistics (relatively larger at low rates), never
``random()``, so replay and the after-action report show exactly what a team saw.

The catalogue describes *typical* instruments of four classes, each with the public source of
its characteristics and a confidence (V seen in the source, D derived here, U recalled or
typical, not checked against a data sheet). Energy response, angular response, temperature
and battery effects are not modelled: every instrument reads the field's H*(10) (or surface
activity) as if calibrated for it. See docs/dose-and-instruments.md.

* **survey-meter**: an energy-compensated GM dose-rate meter (typical of the Thermo RadEye G-10).
  Range, significant digits, µSv/h ↔ mSv/h switching, "OVER" above the range, and a response
  time: its adaptive filter averages over a time constant that is long at low rates and short
  at high rates, so a reading taken just after walking shows the exponentially weighted rate
  along the recent track (``survey_truth``).
* **personal-dosimeter**: an electronic personal dosimeter (typical of the Thermo EPD Mk2):
  accumulated dose and dose rate, rate alarms with on/off thresholds (hysteresis) and latched
  dose alarms (the state machine is ``engine.dose.update_alarms``), over-range above 1 Sv/h or 1 Sv.
* **contamination-monitor**: a thin-window GM "pancake" probe: counts/s over a surface from
  the deposited activity (Bq/m² → Bq/cm² × probe area × surface efficiency), background counts,
  "OVER" above the range, and the OIL4 skin criterion (1000 counts/s, beta).
* **identifier**: a handheld NaI radionuclide identifier: names the nuclides whose full-energy
  peaks stand out of the spectrum after a dwell, with a confidence; "No ID" when the signal is
  too weak; a shielded source shows a weaker peak (scatter moves counts out of it).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from statistics import NormalDist
from typing import Any

import numpy as np

from .dose import AlarmState, AlarmThresholds, RadiationField, RateAlarmLevel
from .movement import Track

KINDS = ("survey-meter", "personal-dosimeter", "contamination-monitor", "identifier")

# OIL4 (IAEA operational intervention level for skin decontamination), as ARPANSA adopts it:
# 1000 counts/s at 2 cm from the skin (beta), or 1 µSv/h at 10 cm (gamma).
OIL4_BETA_CPS = 1000.0
OIL4_GAMMA_USV_H_AT_10CM = 1.0

_STANDARD_NORMAL = NormalDist()


class InstrumentError(ValueError):
    """An unknown instrument kind or a setting the instrument does not have."""


@dataclass(frozen=True)
class Citation:
    """Where a characteristic comes from, and how sure we are (V seen, D derived, U recalled/typical)."""

    text: str
    confidence: str


# -- specifications --------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyMeterSpec:
    kind = "survey-meter"
    title: str = "Gamma survey meter (typical energy-compensated GM)"
    range_low_uSv_h: float = 0.5  # nominal; it still shows background below this
    range_high_uSv_h: float = 100_000.0
    significant_digits: int = 3
    finest_uSv_h: float = 0.01
    sensitivity_cps_per_uSv_h: float = 1.0
    counts_per_reading: float = 50.0  # the adaptive filter averages about this many counts
    tau_min_s: float = 1.0
    tau_max_s: float = 100.0
    alarm_uSv_h: float | None = None
    citations: tuple[Citation, ...] = (
        Citation("Thermo Scientific RadEye G-10: 0.5 µSv/h–100 mSv/h nominal range, registers from "
                 "background; time constant from 100 s at the bottom of the range to 1 s at the top "
                 "(Advanced Digital Filter); energy-compensated GM tube Centronic ZP1202; "
                 "50 keV–1.5 MeV (Thermo RadEye G brochure, as quoted in a user review)", "V"),
        Citation("Sensitivity about 1 count/s per µSv/h, so that about 50 counts give the averaging "
                 "of 100 s at background: derived from the time constants above", "D"),
        Citation("'OVER' shown above the range (Tracerco T406 manual MN1008-C §2.6.2)", "V"),
    )

    def time_constant_s(self, rate_uSv_h: float) -> float:
        """The filter's time constant at this rate: long at low rates, short at high."""
        if rate_uSv_h <= 0:
            return self.tau_max_s
        tau = self.counts_per_reading / (2 * self.sensitivity_cps_per_uSv_h * rate_uSv_h)
        return min(self.tau_max_s, max(self.tau_min_s, tau))


@dataclass(frozen=True)
class DosimeterSpec:
    kind = "personal-dosimeter"
    title: str = "Electronic personal dosimeter (typical)"
    rate_alarms: tuple[RateAlarmLevel, ...] = AlarmThresholds().rate
    dose_alarms_uSv: tuple[float, ...] = AlarmThresholds().dose_uSv
    over_range_uSv_h: float = 1_000_000.0
    over_range_uSv: float = 1_000_000.0
    counts_per_uSv: float = 128.0
    counts_per_reading: float = 25.0
    tau_min_s: float = 1.0
    tau_max_s: float = 120.0
    citations: tuple[Citation, ...] = (
        Citation("Thermo EPD Mk2 technical handbook EPD/HB/40521/000 issue 5: 'On' and 'Off' dose "
                 "rate alarm thresholds allow hysteresis (§3.5.1); over-range alarm above 1 Sv/h or "
                 "1.0 Sv, latched (§3.2.4); dose shown to 1 µSv; gamma: two counts ≈ 1/64 µSv; dose "
                 "rate averaged to within ±20 %, longer at low rates (§4.6.5)", "V"),
        Citation("Polimaster PM1610B manual: two dose-rate and two dose alarm thresholds, settable "
                 "0.01 µSv/h–10 Sv/h and 1 µSv–20 Sv", "V"),
        Citation("Default thresholds 100 µSv/h and 100 mSv/h (IAEA EPR-First Responders 2006: safety "
                 "perimeter, no entry), 1 mSv and 20 mSv (GSR Part 3 public and occupational annual "
                 "limits), off at 80 % of on: chosen for exercises, configurable", "D"),
        Citation("Rate averaging limits 1–120 s", "U"),
    )

    @property
    def thresholds(self) -> AlarmThresholds:
        return AlarmThresholds(rate=self.rate_alarms, dose_uSv=self.dose_alarms_uSv)

    def time_constant_s(self, rate_uSv_h: float) -> float:
        cps = self.counts_per_uSv * rate_uSv_h / 3600.0
        if cps <= 0:
            return self.tau_max_s
        return min(self.tau_max_s, max(self.tau_min_s, self.counts_per_reading / (2 * cps)))


# Surface emission efficiency (counts per second per Bq in the probe's area, at about 2 cm) of a
# thin-window (1.5–2 mg/cm²) pancake GM probe, by nuclide. Typical values: beta emitters with
# energetic betas count well, low-energy and pure gamma emitters poorly.
PANCAKE_EFFICIENCY: dict[str, float] = {
    "Cs-137": 0.20,
    "Co-60": 0.12,
    "Ir-192": 0.15,
    "I-131": 0.12,
    "Sr-90": 0.35,  # with Y-90 in equilibrium: two betas per decay of Sr-90
    "Am-241": 0.05,  # alpha counted only when nothing covers it; ground deposits mostly hide it
    "Se-75": 0.02,
    "Tc-99m": 0.02,
    "K-40": 0.25,  # energetic beta (1.31 MeV) in 89 % of decays
    "Ra-226": 0.30,  # with Pb-214 and Bi-214: several energetic betas per decay of Ra-226
}


@dataclass(frozen=True)
class ContaminationMonitorSpec:
    kind = "contamination-monitor"
    title: str = "Contamination monitor with a thin-window GM pancake probe (typical)"
    probe_area_cm2: float = 15.0
    background_cps: float = 1.0
    range_high_cps: float = 10_000.0
    averaging_s: float = 2.0
    efficiency: Mapping[str, float] = field(default_factory=lambda: dict(PANCAKE_EFFICIENCY))
    citations: tuple[Citation, ...] = (
        Citation("Pancake GM probes (e.g. Ludlum 44-9): thin mica window about 2 mg/cm², beta above "
                 "about 40 keV; efficiency depends strongly on nuclide and distance (TRIUMF radiation "
                 "protection training, 'Measuring surface contamination')", "V"),
        Citation("GM probes have gamma efficiencies typically below 1 % (HPS Ask the Experts #7119); "
                 "a user measured about 2 % for I-131 on a pancake probe (#7241)", "V"),
        Citation("Probe area 15 cm², background about 1 count/s, range to 10,000 counts/s, and the "
                 "surface efficiencies per nuclide: typical values, not from one data sheet", "U"),
        Citation("OIL4: 1000 counts/s at 2 cm (beta) or 1 µSv/h at 10 cm (gamma), IAEA GSG-2 as "
                 "ARPANSA adopts it (domain-facts §2.7)", "V"),
    )


@dataclass(frozen=True)
class IdentifierSpec:
    kind = "identifier"
    title: str = "Handheld radionuclide identifier (typical NaI)"
    dwell_s: float = 60.0
    sensitivity_cps_per_uSv_h: float = 600.0
    peak_fraction: float = 0.3
    window_fraction: float = 0.15
    systematic: float = 0.05
    id_threshold: float = 5.0
    shield_penalty: float = 0.5  # peak share falls as transmitted_fraction ** this
    max_rate_uSv_h: float = 1_000.0
    citations: tuple[Citation, ...] = (
        Citation("ANSI N42.34 (2006): performance criteria for hand-held instruments for the detection "
                 "and identification of radionuclides; false and failed identifications are common "
                 "near background and with shielding (NIST evaluation of handheld identifiers)", "V"),
        Citation("Sensitivity 600 counts/s per µSv/h, photopeak share 0.3, peak-window share of the "
                 "continuum 0.15, 5 % systematic, identification at 5 standard deviations, spectra "
                 "unusable above 1 mSv/h, a 60 s dwell: typical NaI handheld values", "U"),
    )


Spec = SurveyMeterSpec | DosimeterSpec | ContaminationMonitorSpec | IdentifierSpec

CATALOGUE: dict[str, Spec] = {
    "survey-meter": SurveyMeterSpec(),
    "personal-dosimeter": DosimeterSpec(),
    "contamination-monitor": ContaminationMonitorSpec(),
    "identifier": IdentifierSpec(),
}

# What a scenario may set per instrument (the rest is the catalogue's).
SETTINGS: dict[str, tuple[str, ...]] = {
    "survey-meter": ("range_low_uSv_h", "range_high_uSv_h", "alarm_uSv_h"),
    "personal-dosimeter": ("rate_alarms", "dose_alarms_uSv"),
    "contamination-monitor": ("probe_area_cm2", "background_cps", "range_high_cps"),
    "identifier": ("dwell_s",),
}


@dataclass(frozen=True)
class Instrument:
    """One issued instrument: an id (unique in the exercise) and its specification."""

    id: str
    spec: Spec

    @property
    def kind(self) -> str:
        return self.spec.kind


def make_instrument(instrument_id: str, kind: str, settings: Mapping[str, Any] | None = None) -> Instrument:
    """An instrument of ``kind`` from the catalogue, with the scenario's ``settings`` applied."""
    if kind not in CATALOGUE:
        raise InstrumentError(f"unknown instrument kind {kind!r}; known: {', '.join(KINDS)}")
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(SETTINGS[kind]))
    if unknown:
        allowed = ", ".join(SETTINGS[kind]) or "none"
        raise InstrumentError(f"{kind} has no setting {', '.join(unknown)}; settings: {allowed}")
    try:
        if "rate_alarms" in settings:
            settings["rate_alarms"] = tuple(
                level if isinstance(level, RateAlarmLevel) else RateAlarmLevel(*level)
                for level in settings["rate_alarms"]
            )
        if "dose_alarms_uSv" in settings:
            settings["dose_alarms_uSv"] = tuple(float(d) for d in settings["dose_alarms_uSv"])
        spec = replace(CATALOGUE[kind], **settings)
        if isinstance(spec, DosimeterSpec):
            spec.thresholds  # validates the alarm levels
    except (TypeError, ValueError) as exc:
        raise InstrumentError(str(exc)) from exc
    for f in fields(spec):
        value = getattr(spec, f.name)
        if f.name in settings and isinstance(value, float) and not (math.isfinite(value) and value > 0):
            raise InstrumentError(f"{f.name} must be a positive number")
    return Instrument(instrument_id, spec)


# -- deterministic noise ---------------------------------------------------------------------


def reading_seed(exercise_id: Any, instrument_id: Any, t_s: float, bucket_s: float = 1.0) -> bytes:
    """The seed of a reading: the same exercise, instrument and time bucket give the same noise."""
    bucket = math.floor(t_s / bucket_s)
    return hashlib.sha256(f"cordon-reading|{exercise_id}|{instrument_id}|{bucket}".encode()).digest()


def _uniform(seed: bytes, stream: str = "") -> float:
    """A number in (0, 1) from the seed (and a stream name, for several draws from one seed)."""
    digest = hashlib.sha256(seed + stream.encode()).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2.0**64


def _normal(seed: bytes, stream: str = "") -> float:
    return _STANDARD_NORMAL.inv_cdf(_uniform(seed, stream))


def _poisson(mean: float, seed: bytes, stream: str = "") -> float:
    """A Poisson count with this mean: exact inverse CDF for small means, normal beyond."""
    if mean <= 0:
        return 0.0
    if mean > 50:
        return max(0.0, mean + math.sqrt(mean) * _normal(seed, stream))
    u = _uniform(seed, stream)
    k, p = 0, math.exp(-mean)
    cumulative = p
    while cumulative < u and k < 1000:
        k += 1
        p *= mean / k
        cumulative += p
    return float(k)


def _counted(rate: float, counts_per_unit: float, seed: bytes, stream: str = "") -> float:
    """``rate`` as an instrument counting ``counts_per_unit`` counts per unit of rate sees it."""
    if rate <= 0 or counts_per_unit <= 0:
        return max(rate, 0.0)
    return _poisson(rate * counts_per_unit, seed, stream) / counts_per_unit


# -- display ---------------------------------------------------------------------------------


def _decimals(value: float, digits: int, finest: float) -> int:
    finest_decimals = max(0, -math.floor(math.log10(finest) + 1e-9))
    if value <= 0:
        return finest_decimals
    wanted = digits - 1 - math.floor(math.log10(value))
    return max(0, min(wanted, finest_decimals))


def _round(value: float, digits: int, finest: float) -> float:
    return round(value, _decimals(value, digits, finest))


def format_rate(value_uSv_h: float, digits: int = 3, finest_uSv_h: float = 0.01) -> tuple[float, str, str]:
    """A dose rate as a meter shows it: (value in the unit shown, unit, text); µSv/h below 1 mSv/h."""
    shown = _round(value_uSv_h, digits, finest_uSv_h)
    if shown < 1000:
        text = f"{shown:.{_decimals(shown, digits, finest_uSv_h)}f}"
        return shown, "µSv/h", f"{text} µSv/h"
    if shown < 1_000_000:
        mSv = _round(value_uSv_h / 1000, digits, 0.001)
        return mSv, "mSv/h", f"{mSv:.{_decimals(mSv, digits, 0.001)}f} mSv/h"
    Sv = _round(value_uSv_h / 1_000_000, digits, 0.001)
    return Sv, "Sv/h", f"{Sv:.{_decimals(Sv, digits, 0.001)}f} Sv/h"


def format_dose(dose_uSv: float) -> tuple[float, str, str]:
    """An accumulated dose as an EPD shows it: whole µSv, then mSv and Sv with 3 decimals."""
    if dose_uSv < 1000:
        value = float(round(dose_uSv))
        return value, "µSv", f"{value:.0f} µSv"
    if dose_uSv < 1_000_000:
        value = round(dose_uSv / 1000, 3)
        return value, "mSv", f"{value:.3f} mSv"
    value = round(dose_uSv / 1_000_000, 3)
    return value, "Sv", f"{value:.3f} Sv"


# -- truths ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyTruth:
    """What a survey meter responds to: the rate averaged by its filter along the recent track."""

    rate_uSv_h: float


@dataclass(frozen=True)
class DosimeterTruth:
    """A dosimeter's wearer: accumulated dose, the rate now, the alarm state (from the dose account)."""

    dose_uSv: float
    rate_uSv_h: float
    alarm: AlarmState = AlarmState()


@dataclass(frozen=True)
class ContaminationTruth:
    """Deposited activity under the probe, Bq/m² by nuclide."""

    deposition_Bq_m2: Mapping[str, float]


@dataclass(frozen=True)
class IdentifierTruth:
    """Gamma rate by nuclide where the identifier stands, the rest of the rate, and how long it measured.

    ``transmitted`` is, per nuclide, the fraction of its radiation that came through shielding
    (1 = unshielded); a nuclide not listed is unshielded.
    """

    contributions_uSv_h: Mapping[str, float]
    other_uSv_h: float
    dwell_s: float
    transmitted: Mapping[str, float] = field(default_factory=dict)


def lagged_rate(
    field_model: RadiationField,
    track: Track,
    t_s: float,
    tau_s: float,
    changes: Sequence = (),
    samples: int = 48,
) -> float:
    """The rate along the recent track weighted by exp(-age/tau): what a meter with time constant tau shows.

    The field is taken at ``t_s`` for the whole window: the lag follows the responder's
    movement; a change of the field itself shows at once.
    """
    span = 5 * tau_s
    step = span / samples
    ages = (np.arange(samples) + 0.5) * step
    weights = np.exp(-ages / tau_s)
    xs, ys = track.positions_at(t_s - ages)
    rates = np.asarray(field_model.rates_at(xs, ys, t_s, changes), dtype=float)
    return float(np.dot(weights, rates) / weights.sum())


def survey_truth(
    instrument: Instrument, field_model: RadiationField, track: Track, t_s: float, changes: Sequence = ()
) -> SurveyTruth:
    """The survey meter's truth at ``t_s``: the filtered rate, with the time constant the rate now sets."""
    spec = instrument.spec
    if not isinstance(spec, SurveyMeterSpec):
        raise InstrumentError(f"{instrument.id} is not a survey meter")
    x, y = track.position_at(t_s)
    now = float(field_model.rate_at(x, y, t_s, changes))
    return SurveyTruth(lagged_rate(field_model, track, t_s, spec.time_constant_s(now), changes))


def contamination_truth(field_model: RadiationField, track: Track, t_s: float) -> ContaminationTruth:
    """The deposited activity where the responder stands at ``t_s``."""
    x, y = track.position_at(t_s)
    return ContaminationTruth(dict(field_model.deposition_at(x, y, t_s)))


def identifier_truth(
    instrument: Instrument,
    field_model: RadiationField,
    track: Track,
    t_s: float,
    changes: Sequence = (),
    transmitted: Mapping[str, float] | None = None,
) -> IdentifierTruth:
    """The identifier's truth at ``t_s``: it measured only while its holder stood still (up to its dwell)."""
    spec = instrument.spec
    if not isinstance(spec, IdentifierSpec):
        raise InstrumentError(f"{instrument.id} is not an identifier")
    x, y = track.position_at(t_s)
    contributions = {k: float(v) for k, v in field_model.contributions_at(x, y, t_s, changes).items()}
    total = float(field_model.rate_at(x, y, t_s, changes))
    other = max(0.0, total - sum(contributions.values()))
    return IdentifierTruth(contributions, other, standing_time(track, t_s, spec.dwell_s), dict(transmitted or {}))


def standing_time(track: Track, t_s: float, longest_s: float) -> float:
    """How long the responder has stood where it is at ``t_s`` (0 while walking), at most ``longest_s``."""
    if track.is_moving(t_s) or t_s <= track.start_s:
        return 0.0
    knots = track.knots
    i = max(k for k, knot in enumerate(knots) if knot.t_s <= t_s)
    while i > 0 and knots[i - 1].point == knots[i].point:
        i -= 1
    return min(longest_s, t_s - knots[i].t_s)


# -- readings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What an instrument shows: ``value`` in ``unit``, ``display`` as the meter writes it."""

    kind: str
    value: float | None
    unit: str
    display: str
    over_range: bool = False
    alarm: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the ``measurement.taken`` payload)."""
        return {
            "kind": self.kind,
            "value": self.value,
            "unit": self.unit,
            "display": self.display,
            "over_range": self.over_range,
            "alarm": self.alarm,
            "details": dict(self.details),
        }


def read(instrument: Instrument, truth, seed: bytes) -> Reading:
    """The reading ``instrument`` shows for ``truth``, with the fluctuation ``seed`` selects."""
    spec = instrument.spec
    if isinstance(spec, SurveyMeterSpec) and isinstance(truth, SurveyTruth):
        return _read_survey(spec, truth, seed)
    if isinstance(spec, DosimeterSpec) and isinstance(truth, DosimeterTruth):
        return _read_dosimeter(spec, truth, seed)
    if isinstance(spec, ContaminationMonitorSpec) and isinstance(truth, ContaminationTruth):
        return _read_contamination(spec, truth, seed)
    if isinstance(spec, IdentifierSpec) and isinstance(truth, IdentifierTruth):
        return _read_identifier(spec, truth, seed)
    raise InstrumentError(f"a {spec.kind} cannot read a {type(truth).__name__}")


def _read_survey(spec: SurveyMeterSpec, truth: SurveyTruth, seed: bytes) -> Reading:
    rate = max(0.0, truth.rate_uSv_h)
    tau = spec.time_constant_s(rate)
    seen = _counted(rate, 2 * tau * spec.sensitivity_cps_per_uSv_h, seed, "survey")
    alarm = spec.alarm_uSv_h is not None and seen >= spec.alarm_uSv_h
    if seen > spec.range_high_uSv_h:
        _, unit, limit = format_rate(spec.range_high_uSv_h, spec.significant_digits, spec.finest_uSv_h)
        return Reading(spec.kind, None, unit, "OVER", over_range=True, alarm=alarm,
                       details={"range_high": limit, "time_constant_s": tau})
    value, unit, text = format_rate(seen, spec.significant_digits, spec.finest_uSv_h)
    return Reading(spec.kind, value, unit, text, alarm=alarm, details={"time_constant_s": tau})


def _read_dosimeter(spec: DosimeterSpec, truth: DosimeterTruth, seed: bytes) -> Reading:
    rate = max(0.0, truth.rate_uSv_h)
    tau = spec.time_constant_s(rate)
    seen_rate = _counted(rate, 2 * tau * spec.counts_per_uSv / 3600.0, seed, "dosimeter-rate")
    over = seen_rate > spec.over_range_uSv_h or truth.dose_uSv > spec.over_range_uSv
    dose_value, dose_unit, dose_text = format_dose(max(0.0, truth.dose_uSv))
    rate_value, rate_unit, rate_text = format_rate(seen_rate, 3, 0.01)
    if seen_rate > spec.over_range_uSv_h:
        rate_value, rate_text = None, "OVER"
    display = f"{dose_text} · {rate_text}"
    return Reading(
        spec.kind, dose_value, dose_unit, display, over_range=over, alarm=truth.alarm.alarming,
        details={
            "rate": rate_value, "rate_unit": rate_unit, "rate_display": rate_text,
            "rate_alarms_on": [k + 1 for k, on in enumerate(truth.alarm.rate_on) if on],
            "dose_alarm_levels": truth.alarm.dose_levels_reached,
        },
    )


def contamination_cps(spec: ContaminationMonitorSpec, deposition_Bq_m2: Mapping[str, float]) -> float:
    """Expected net counts/s of the probe over a surface with this deposited activity."""
    net = 0.0
    for nuclide, activity in deposition_Bq_m2.items():
        net += max(0.0, activity) / 1e4 * spec.probe_area_cm2 * spec.efficiency.get(nuclide, 0.0)
    return net


def oil4_exceeded(beta_cps: float | None = None, gamma_uSv_h_at_10cm: float | None = None) -> bool:
    """The OIL4 skin criterion: 1000 counts/s at 2 cm (beta) or 1 µSv/h at 10 cm (gamma)."""
    return (beta_cps is not None and beta_cps >= OIL4_BETA_CPS) or (
        gamma_uSv_h_at_10cm is not None and gamma_uSv_h_at_10cm >= OIL4_GAMMA_USV_H_AT_10CM
    )


def _read_contamination(spec: ContaminationMonitorSpec, truth: ContaminationTruth, seed: bytes) -> Reading:
    net = contamination_cps(spec, truth.deposition_Bq_m2)
    seen = _counted(net + spec.background_cps, spec.averaging_s, seed, "contamination")
    unseen = sorted(n for n, a in truth.deposition_Bq_m2.items() if a > 0 and spec.efficiency.get(n, 0.0) == 0)
    details = {"background_cps": spec.background_cps, "oil4_exceeded": oil4_exceeded(beta_cps=seen)}
    if unseen:
        details["not_detected"] = unseen
    if seen > spec.range_high_cps:
        return Reading(spec.kind, None, "counts/s", "OVER", over_range=True,
                       alarm=details["oil4_exceeded"], details=details)
    value = float(round(seen))
    return Reading(spec.kind, value, "counts/s", f"{value:.0f} cps", alarm=details["oil4_exceeded"], details=details)


def _confidence_label(confidence: float) -> str:
    return "high" if confidence >= 0.85 else "medium" if confidence >= 0.6 else "low"


def _read_identifier(spec: IdentifierSpec, truth: IdentifierTruth, seed: bytes) -> Reading:
    total = truth.other_uSv_h + sum(max(0.0, c) for c in truth.contributions_uSv_h.values())
    dwell = max(0.0, truth.dwell_s)
    if total > spec.max_rate_uSv_h:
        return Reading(spec.kind, None, "", "OVER", over_range=True, details={"dwell_s": dwell, "nuclides": []})
    continuum = total * spec.sensitivity_cps_per_uSv_h * dwell * spec.window_fraction
    found = []
    for nuclide in sorted(truth.contributions_uSv_h):
        rate = truth.contributions_uSv_h[nuclide]
        if rate <= 0 or dwell <= 0:
            continue
        transmitted = min(1.0, max(0.0, truth.transmitted.get(nuclide, 1.0)))
        peak = rate * spec.sensitivity_cps_per_uSv_h * dwell * spec.peak_fraction * transmitted**spec.shield_penalty
        sigma = math.sqrt(peak + continuum + (spec.systematic * continuum) ** 2)
        significance = peak / sigma + _normal(seed, f"identifier|{nuclide}")
        if significance < spec.id_threshold:
            continue
        confidence = 1 - math.exp(-significance / (2 * spec.id_threshold))
        found.append({"nuclide": nuclide, "confidence": round(confidence, 2), "label": _confidence_label(confidence)})
    found.sort(key=lambda item: -item["confidence"])
    if not found:
        return Reading(spec.kind, None, "", "No ID", details={"dwell_s": dwell, "nuclides": []})
    display = ", ".join(f"{item['nuclide']} ({item['label']})" for item in found)
    return Reading(spec.kind, found[0]["confidence"], "confidence", display,
                   details={"dwell_s": dwell, "nuclides": found})


def issue_instruments(block: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[Instrument]]:
    """The instruments of each team from a scenario's loaded ``instruments`` block.

    Ids are ``<team>/<kind>-<n>``, numbered from 1 per team and kind in the order written, so
    the same scenario always issues the same ids (and the same noise on replay).
    """
    issued: dict[str, list[Instrument]] = {}
    for team, issues in block.items():
        numbers: dict[str, int] = {}
        for issue in issues:
            for _ in range(issue.get("count", 1)):
                numbers[issue["kind"]] = numbers.get(issue["kind"], 0) + 1
                instrument_id = f"{team}/{issue['kind']}-{numbers[issue['kind']]}"
                issued.setdefault(team, []).append(make_instrument(instrument_id, issue["kind"], issue.get("settings")))
    return issued
