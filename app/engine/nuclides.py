"""Nuclide data for the simulated radiation field: half-lives, photon lines, dose-rate constants,
half-value layers, D-values and ground-deposition factors, each with its source and confidence.

Confidence, as in docs/radiation.md: **V** seen in the cited source, **D** derived here from cited
inputs (the derivation is in this file), **U** unverified (recalled, or from weak sources).

One derivation gives every dose-rate constant, so the table is consistent with itself:

    Γ_H = Σ_lines y_i · h*(E_i) / (4π · 1 m²)          (µSv·m²/(h·GBq), point source, no air attenuation)
    k_ground = Σ_lines y_i · h*(E_i) · ½ E1(μ_air(E_i) · 1 m)   (µSv/h per Bq/m², plane source, 1 m up)

with y_i the photons per decay (ENSDF values), h*(E) the ICRP 74 fluence-to-H*(10) coefficients
(Table A.21) and E1 the exponential integral. Photons below 20 keV are left out: the source's own
encapsulation and the air absorb them. The derived Γ_H agrees with the tabulated H*(10) constants
we could read to 1–2 % for Co-60 and Cs-137 and 20 % for Se-75 (tests/engine/test_nuclides.py).
The ground factor is for fresh deposition on a smooth plane, uncollided photons only; it falls
as caesium migrates into the soil, and roughness lowers it further (±50 %).
"""
import math
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "DERIVED_MATERIALS", "MATERIALS", "NUCLIDES", "Datum", "Nuclide", "UnknownMaterial",
    "UnknownNuclide", "get_nuclide", "h10_per_fluence", "known_nuclides",
]

YEAR_S = 365.25 * 86400.0
DAY_S = 86400.0
HOUR_S = 3600.0
PHOTON_CUTOFF_KEV = 20.0  # lines below are absorbed by encapsulation and air

# --- cited sources ------------------------------------------------------------------------

ICRP107 = "ICRP Publication 107 (2008) half-lives, as quoted in the project's radiation reference"
ENSDF = "ENSDF photon yields (NNDC), recalled; Ir-192 energies and yields match a public Geant4 source model"
ICRP74 = "ICRP Publication 74 (1996) Table A.21, H*(10)/fluence for photons, read in a public copy"
NIST_AIR = "NIST XCOM mass attenuation coefficients of dry air, recalled"
NCRP49 = "Broad-beam HVLs (NCRP 49 family of tables) as quoted in the project's radiation reference"
D_VALUES = "IAEA EPR-D-Values 2006 via RS-G-1.9 / EU BSS 2013/59 Annex III, as quoted in the project's radiation reference"
LINE_METHOD = "derived: Σ yield × ICRP 74 h*(10) / 4π r² (see module docstring)"
PLANE_METHOD = "derived: Σ yield × ICRP 74 h*(10) × ½ E1(μ_air·1 m), plane source (see module docstring)"
MASS_SCALING = "derived by density scaling from the nuclide's {base} HVL (Compton-dominated, ±20 %)"


@dataclass(frozen=True)
class Datum:
    """A number with its unit, source and confidence (V seen, D derived, U unverified)."""

    value: float
    unit: str
    source: str
    confidence: str

    def __post_init__(self):
        if self.confidence not in ("V", "D", "U"):
            raise ValueError(f"confidence must be V, D or U, not {self.confidence!r}")


# --- ICRP 74: fluence to ambient dose equivalent (pSv·cm²), photon energy in MeV ------------

_H10_TABLE = (
    (0.010, 0.061), (0.015, 0.83), (0.020, 1.05), (0.030, 0.81), (0.040, 0.64), (0.050, 0.55),
    (0.060, 0.51), (0.080, 0.53), (0.100, 0.61), (0.150, 0.89), (0.200, 1.20), (0.300, 1.80),
    (0.400, 2.38), (0.500, 2.93), (0.600, 3.44), (0.800, 4.38), (1.000, 5.20), (1.500, 6.90),
    (2.000, 8.60), (3.000, 11.1), (4.000, 13.4), (5.000, 15.5), (6.000, 17.6), (8.000, 21.6),
    (10.00, 25.6),
)

# NIST XCOM, dry air: mass attenuation coefficient (cm²/g), photon energy in MeV.
_AIR_MU_RHO = (
    (0.020, 0.7779), (0.030, 0.3538), (0.040, 0.2485), (0.050, 0.2080), (0.060, 0.1875),
    (0.080, 0.1662), (0.100, 0.1541), (0.150, 0.1356), (0.200, 0.1233), (0.300, 0.1067),
    (0.400, 0.09549), (0.500, 0.08712), (0.600, 0.08055), (0.800, 0.07074), (1.000, 0.06358),
    (1.250, 0.05687), (1.500, 0.05175), (2.000, 0.04447), (3.000, 0.03581),
)
AIR_DENSITY_G_CM3 = 1.205e-3  # dry air at 20 °C, 101.3 kPa


def _loglog(table, energy_mev: float) -> float:
    """Log-log interpolation in a (MeV, value) table, as ICRP tables are meant to be read."""
    if not table[0][0] <= energy_mev <= table[-1][0]:
        raise ValueError(f"{energy_mev} MeV is outside the table ({table[0][0]}–{table[-1][0]} MeV)")
    for (e0, v0), (e1, v1) in zip(table, table[1:]):
        if e0 <= energy_mev <= e1:
            t = math.log(energy_mev / e0) / math.log(e1 / e0)
            return math.exp(math.log(v0) + t * math.log(v1 / v0))
    raise AssertionError("unreachable")


def h10_per_fluence(energy_kev: float) -> float:
    """ICRP 74 fluence-to-H*(10) coefficient at `energy_kev`, in pSv·cm²."""
    return _loglog(_H10_TABLE, energy_kev / 1000.0)


def _expint_e1(x: float) -> float:
    """Exponential integral E1(x) for 0 < x < 1 (series; |error| < 1e-12 there)."""
    total, term = 0.0, 1.0
    for k in range(1, 40):
        term *= -x / k
        total -= term / k
    return -0.5772156649015329 - math.log(x) + total


# µSv/h at 1 m from 1 GBq per (photon per decay × pSv·cm²): 1e9 / (4π·1e4 cm²) · 3600 s · 1e-6
_POINT_FACTOR = 1e9 / (4 * math.pi * 1e4) * 3600 * 1e-6
# µSv/h per Bq/m² per (photon per decay × pSv·cm²): 1e-4 m²/cm² · 3600 s · 1e-6
_PLANE_FACTOR = 1e-4 * 3600 * 1e-6


def _gamma_constant(lines) -> float:
    return _POINT_FACTOR * sum(y * h10_per_fluence(e) for e, y in lines if e >= PHOTON_CUTOFF_KEV)


def _ground_factor(lines) -> float:
    total = 0.0
    for energy_kev, yield_ in lines:
        if energy_kev < PHOTON_CUTOFF_KEV:
            continue
        mu_per_cm = _loglog(_AIR_MU_RHO, energy_kev / 1000.0) * AIR_DENSITY_G_CM3
        total += yield_ * h10_per_fluence(energy_kev) * 0.5 * _expint_e1(mu_per_cm * 100.0)
    return _PLANE_FACTOR * total


# --- shielding materials --------------------------------------------------------------------

# Density in g/cm³. Base materials carry tabulated HVLs per nuclide; derived ones are scaled.
MATERIALS = MappingProxyType({
    "lead": 11.35, "tungsten": 19.3, "depleted-uranium": 19.05, "steel": 7.87,
    "concrete": 2.3, "brick": 1.8, "soil": 1.6, "water": 1.0, "wood": 0.6,
})
# material -> the base material it is scaled from
DERIVED_MATERIALS = MappingProxyType({
    "tungsten": "lead", "depleted-uranium": "lead",
    "brick": "concrete", "soil": "concrete", "water": "concrete", "wood": "concrete",
})


class UnknownNuclide(KeyError):
    """A nuclide name not in the table; the message lists the known ones."""

    def __str__(self) -> str:
        return self.args[0]


class UnknownMaterial(KeyError):
    """A shielding material not in the table; the message lists the known ones."""

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Nuclide:
    """One nuclide (with its short-lived daughters in equilibrium) as the field model uses it."""

    name: str
    half_life: Datum                      # seconds
    lines: tuple[tuple[float, float], ...]  # (keV, photons per decay)
    lines_source: str
    lines_confidence: str
    hvl: dict[str, Datum]                 # base materials: metres
    d_value: Datum | None                 # Bq (IAEA D-value)
    note: str = ""
    gamma: Datum = field(init=False)      # µSv·m²/(h·GBq) at 1 m, H*(10)
    ground: Datum = field(init=False)     # µSv/h at 1 m per Bq/m² on the ground, H*(10)

    def __post_init__(self):
        gamma = _gamma_constant(self.lines)
        ground = _ground_factor(self.lines)
        object.__setattr__(self, "gamma", Datum(gamma, "µSv·m²/(h·GBq)", LINE_METHOD, "D"))
        object.__setattr__(self, "ground", Datum(ground, "µSv/h per Bq/m²", PLANE_METHOD, "D"))

    @property
    def half_life_s(self) -> float:
        return self.half_life.value

    @property
    def gamma_usv_m2_per_h_bq(self) -> float:
        """Γ_H per becquerel: µSv·m²/(h·Bq)."""
        return self.gamma.value * 1e-9

    @property
    def emits_gamma(self) -> bool:
        return self.gamma.value > 0

    def hvl_m(self, material: str) -> float:
        """Broad-beam half-value layer of `material` in metres (derived materials scaled by density)."""
        return self.hvl_datum(material).value

    def hvl_datum(self, material: str) -> Datum:
        if material not in MATERIALS:
            raise UnknownMaterial(f"unknown material '{material}'; known: {', '.join(MATERIALS)}")
        if not self.emits_gamma:
            return Datum(math.inf, "m", "no gamma: shielding does not apply", "V")
        if material in self.hvl:
            return self.hvl[material]
        base = DERIVED_MATERIALS[material]
        base_datum = self.hvl[base]
        value = base_datum.value * MATERIALS[base] / MATERIALS[material]
        return Datum(value, "m", MASS_SCALING.format(base=base), "D")


def _m(value: float, source: str, confidence: str) -> Datum:
    return Datum(value, "m", source, confidence)


def _tbq(value: float, confidence: str = "V") -> Datum:
    return Datum(value * 1e12, "Bq", D_VALUES, confidence)


def _nist(material: str, kev: int) -> str:
    return f"derived: ln2 / μ from NIST XCOM μ/ρ of {material} at {kev} keV (narrow beam), recalled"


_NUCLIDES = (
    Nuclide(
        name="Cs-137",
        half_life=Datum(30.17 * YEAR_S, "s", ICRP107, "V"),
        # Ba-137m 661.7 keV: 94.7 % of decays feed it, 89.9 % of those emit; Ba K x-rays.
        lines=((661.657, 0.851), (32.0, 0.0563), (36.4, 0.0133)),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.0065, NCRP49, "V"),
            "steel": _m(0.016, NCRP49, "V"),
            "concrete": _m(0.047, NCRP49, "D"),
        },
        d_value=_tbq(0.1),
        note="With Ba-137m in equilibrium. Tabulated H*(10) constant 93 µSv·m²/(h·GBq) (SSK glossary).",
    ),
    Nuclide(
        name="Co-60",
        half_life=Datum(5.271 * YEAR_S, "s", ICRP107, "V"),
        lines=((1173.228, 0.9985), (1332.492, 0.9998)),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.012, NCRP49, "V"),
            "steel": _m(0.021, NCRP49, "V"),
            "concrete": _m(0.062, NCRP49, "D"),
        },
        d_value=_tbq(0.03),
        note="Tabulated H*(10) constant 351.1 µSv·m²/(h·GBq) (German fire-service table).",
    ),
    Nuclide(
        name="Ir-192",
        half_life=Datum(73.83 * DAY_S, "s", ICRP107, "V"),
        lines=(
            (205.794, 0.0334), (295.957, 0.2867), (308.455, 0.2968), (316.506, 0.8286),
            (468.069, 0.4784), (484.575, 0.0318), (588.581, 0.0452), (604.411, 0.0823),
            (612.462, 0.0531), (65.1, 0.044), (75.0, 0.015),
        ),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.0055, "radiation reference: 0.5–0.6 cm, mid value", "U"),
            "steel": _m(0.013, "broad-beam steel HVL for Ir-192, recalled", "U"),
            "concrete": _m(0.043, "broad-beam concrete HVL for Ir-192, recalled", "U"),
        },
        d_value=_tbq(0.08),
        note="Industrial radiography sources hold 1.1–3.7 TBq.",
    ),
    Nuclide(
        name="Am-241",
        half_life=Datum(432.2 * YEAR_S, "s", ICRP107, "V"),
        # Np L x-rays (14–21 keV) are absorbed by any encapsulation and are left out.
        lines=((59.541, 0.3592), (26.345, 0.0227)),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.00012, _nist("lead", 60), "U"),
            "steel": _m(0.00073, _nist("iron", 60), "U"),
            "concrete": _m(0.011, _nist("concrete", 60), "U"),
        },
        d_value=_tbq(0.06),
        note="Low-energy gamma; for alpha contamination use a contamination monitor reading of deposition.",
    ),
    Nuclide(
        name="Se-75",
        half_life=Datum(119.8 * DAY_S, "s", ICRP107, "V"),
        lines=(
            (66.05, 0.0111), (96.73, 0.0342), (121.116, 0.172), (135.999, 0.582),
            (198.606, 0.0148), (264.658, 0.589), (279.542, 0.2499), (303.913, 0.0132),
            (400.657, 0.1147),
        ),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.001, "broad-beam lead HVL for Se-75, recalled", "U"),
            "steel": _m(0.008, "broad-beam steel HVL for Se-75, recalled", "U"),
            "concrete": _m(0.030, "broad-beam concrete HVL for Se-75, recalled", "U"),
        },
        d_value=_tbq(0.2),
        note="Tabulated H*(10) constant 55.46 µSv·m²/(h·GBq) (German fire-service table): the derived value is 20 % higher.",
    ),
    Nuclide(
        name="I-131",
        half_life=Datum(8.021 * DAY_S, "s", ICRP107, "V"),
        lines=((364.490, 0.815), (636.989, 0.0716), (284.305, 0.0612), (80.185, 0.0262),
               (722.911, 0.0177), (29.7, 0.039)),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.0023, "radiation reference: Pb 0.23 cm", "V"),
            "steel": _m(0.063 * 1.0 / 7.87, "derived by density scaling from water 6.3 cm (radiation reference)", "D"),
            "concrete": _m(0.063 * 1.0 / 2.3, "derived by density scaling from water 6.3 cm (radiation reference)", "D"),
        },
        d_value=_tbq(0.2, "U"),
        note="Volatile: releases deposit as iodine.",
    ),
    Nuclide(
        name="Tc-99m",
        half_life=Datum(6.015 * HOUR_S, "s", ICRP107, "V"),
        lines=((140.511, 0.885),),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.00023, "radiation reference: Pb 0.23 mm", "V"),
            "steel": _m(0.0040, _nist("iron", 140), "U"),
            "concrete": _m(0.021, _nist("concrete", 140), "U"),
        },
        d_value=_tbq(0.7, "U"),
        note="The radiation reference quotes ≈ 33 µSv·m²/(h·GBq); the derived 21 leaves out Tc K x-rays (18–21 keV).",
    ),
    Nuclide(
        name="K-40",
        half_life=Datum(1.277e9 * YEAR_S, "s", "ICRP Publication 107 (2008), recalled", "U"),
        # 10.7 % of decays (electron capture) emit the 1460.8 keV line; 89 % are beta decays.
        lines=((1460.820, 0.1066),),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.0117, _nist("lead", 1460), "U"),
            "steel": _m(0.0176, _nist("iron", 1460), "U"),
            "concrete": _m(0.058, _nist("concrete", 1460), "U"),
        },
        d_value=None,
        note="Natural potassium (NORM: fertiliser, ceramics, foodstuffs). No IAEA D-value: not a "
             "dangerous-source nuclide.",
    ),
    Nuclide(
        name="Ra-226",
        half_life=Datum(1600 * YEAR_S, "s", "ICRP Publication 107 (2008), recalled", "U"),
        # With its short-lived daughters Pb-214 and Bi-214 in equilibrium (radon kept in).
        lines=(
            (186.211, 0.0364), (241.997, 0.0727), (295.224, 0.1842), (351.932, 0.3560),
            (609.312, 0.4549), (665.453, 0.0153), (768.356, 0.0489), (806.174, 0.0126),
            (934.061, 0.0310), (1120.287, 0.1491), (1155.190, 0.0164), (1238.110, 0.0583),
            (1280.960, 0.0143), (1377.669, 0.0399), (1401.500, 0.0133), (1407.980, 0.0239),
            (1509.228, 0.0213), (1729.595, 0.0288), (1764.494, 0.1531), (1847.420, 0.0203),
            (2118.550, 0.0116), (2204.210, 0.0489), (2447.860, 0.0155), (76.9, 0.10), (74.8, 0.06),
        ),
        lines_source=ENSDF, lines_confidence="U",
        hvl={
            "lead": _m(0.0166, "broad-beam lead HVL for Ra-226 (Radiological Health Handbook), recalled", "U"),
            "steel": _m(0.022, "broad-beam iron HVL for Ra-226 (Radiological Health Handbook), recalled", "U"),
            "concrete": _m(0.069, "broad-beam concrete HVL for Ra-226 (Radiological Health Handbook), recalled", "U"),
        },
        d_value=_tbq(0.04, "U"),
        note="With Pb-214 and Bi-214 in equilibrium: old luminous paint, lightning rods, NORM scale "
             "and ceramics (with the thorium series, not modelled).",
    ),
    Nuclide(
        name="Sr-90",
        half_life=Datum(28.79 * YEAR_S, "s", ICRP107, "V"),
        lines=(),
        lines_source="pure beta emitter with Y-90 (64.1 h) in equilibrium: no useful gamma", lines_confidence="V",
        hvl={},
        d_value=_tbq(1.0),
        note="Beta contamination only (with Y-90): no point-source gamma; bremsstrahlung is not modelled.",
    ),
)

NUCLIDES: MappingProxyType = MappingProxyType({nuclide.name: nuclide for nuclide in _NUCLIDES})


def known_nuclides() -> tuple[str, ...]:
    return tuple(NUCLIDES)


def get_nuclide(name: str) -> Nuclide:
    """The nuclide called `name` (as written in the table, e.g. `Cs-137`); UnknownNuclide otherwise."""
    try:
        return NUCLIDES[name]
    except (KeyError, TypeError):
        raise UnknownNuclide(f"unknown nuclide {name!r}; known: {', '.join(NUCLIDES)}") from None
