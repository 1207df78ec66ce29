"""Zone kinds and protective-action decisions (DESIGN.md §10), as one table each.

Doctrine (IAEA EPR-First Responders 2006, "Response areas and facilities"): the inner cordoned
area is bounded by the safety perimeter; the outer cordoned area by the security perimeter; the
incident command post, staging area, public information centre and the public monitoring and
registration point stand outside the inner cordon; a suspected secondary device gets its own
exclusion (400 m or more).

**Who sees a zone.** A *public* zone is shown to every team as soon as it is drawn: it changes
where responders may go or where the public is sent. A *working area* is shown to the team that
drew it and to staff only: it organises that team's own work. Staff always see every zone.

**Shape.** An *area* kind must be drawn as a circle or a polygon; a *place* kind (a facility
such as the command post) may also be drawn as a single point.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ZoneKind", "ZONE_KINDS", "AREA", "PLACE", "ProtectiveActionKind", "PROTECTIVE_ACTIONS"]

AREA = "area"
PLACE = "place"


@dataclass(frozen=True)
class ZoneKind:
    key: str
    label: str  # lower-case noun phrase, used inside sentences ("the inner cordon reaches ...")
    public: bool  # True: every team sees it; False: the owner team's working area (and staff)
    shape: str  # AREA or PLACE
    description: str

    @property
    def title(self) -> str:
        """The label as a heading: `Inner cordon`."""
        return self.label[:1].upper() + self.label[1:]


ZONE_KINDS: dict[str, ZoneKind] = {
    kind.key: kind
    for kind in (
        ZoneKind("inner-cordon", "inner cordon", True, AREA,
                 "Inner cordoned area (hot zone): entry for responders only, with accountability; "
                 "sized by the situation table (30/100/300/≥ 400 m), then expanded to the 100 µSv/h line."),
        ZoneKind("safety-perimeter", "safety perimeter", True, AREA,
                 "The line actually marked and controlled around the inner cordoned area (IAEA: its "
                 "boundary), where it can be easily defined, recognized and secured, e.g. along roads."),
        ZoneKind("security-perimeter", "security perimeter", True, AREA,
                 "Outer cordoned area, bounded by the security perimeter held by law enforcement."),
        ZoneKind("command-post", "command post", True, PLACE,
                 "Incident command post (ICP): outside the inner cordon, upwind, away from suspected devices."),
        ZoneKind("staging-area", "staging area", False, PLACE,
                 "Where arriving resources wait to be assigned: outside the inner cordon, upwind."),
        ZoneKind("decon-corridor", "decontamination corridor", False, AREA,
                 "Contamination control and decontamination at the exit of the inner cordon."),
        ZoneKind("monitoring-point", "public monitoring and registration point", True, PLACE,
                 "Where members of the public are monitored and registered: outside the inner cordon, "
                 "upwind, at low background (< 0.3 µSv/h), away from hospitals."),
        ZoneKind("information-centre", "public information centre", True, PLACE,
                 "Public information centre (PIC) for the media, near the command post, outside the inner cordon."),
        ZoneKind("shelter-area", "shelter area", True, AREA,
                 "Where the public is told to shelter in place (typically the downwind sector)."),
        ZoneKind("evacuation-area", "evacuation area", True, AREA,
                 "Where the public is evacuated from."),
        ZoneKind("device-exclusion", "exclusion around a suspected device", True, AREA,
                 "Exclusion of everyone but bomb technicians around a suspected secondary device (≥ 400 m)."),
    )
}


@dataclass(frozen=True)
class ProtectiveActionKind:
    key: str
    label: str
    zone_kinds: tuple[str, ...]  # the zone kinds a decision of this kind may be attached to
    description: str


PROTECTIVE_ACTIONS: dict[str, ProtectiveActionKind] = {
    action.key: action
    for action in (
        ProtectiveActionKind("shelter", "shelter in place", ("shelter-area",),
                             "The public in the area stays indoors, windows and ventilation closed."),
        ProtectiveActionKind("evacuate", "evacuate", ("evacuation-area",),
                             "The public leaves the area and is registered and monitored."),
        ProtectiveActionKind("iodine-thyroid-blocking", "iodine thyroid blocking",
                             ("shelter-area", "evacuation-area"),
                             "Stable iodine taken before or soon after intake of radioiodine (reactor releases)."),
        ProtectiveActionKind("food-restrictions", "food restrictions",
                             ("shelter-area", "evacuation-area", "inner-cordon", "safety-perimeter",
                              "security-perimeter"),
                             "No local produce, milk or rainwater from the area until it has been monitored."),
    )
}
