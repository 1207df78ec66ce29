"""Saved MSEL column mappings: a centre's spreadsheet columns, mapped once and reused by name."""
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import MselMapping
from ..errors import InvalidInput, NotFound
from .library_log import append_library_event, lock_library
from .timing import wall_now
from flask_babel import gettext

MAX_NAME = 100


def mappings() -> list[MselMapping]:
    return list(db.session.scalars(select(MselMapping).order_by(MselMapping.name)))


def get_mapping(name: str) -> MselMapping:
    found = db.session.scalars(select(MselMapping).where(MselMapping.name == name)).first() \
        if isinstance(name, str) and len(name) <= MAX_NAME else None
    if found is None:
        raise NotFound(gettext("no saved column mapping '%(name)s'", name=name))
    return found


def save_mapping(name: str, mapping: dict[str, str], *, actor: str) -> MselMapping:
    """Create or replace the mapping `name`; recorded in the library log."""
    if not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise InvalidInput(gettext("a mapping name is 1 to 100 characters"), fields={"name": [gettext("1 to 100 characters")]})
    lock_library()
    found = db.session.scalars(select(MselMapping).where(MselMapping.name == name)
                               .execution_options(populate_existing=True)).first()
    now = wall_now()
    if found is None:
        found = MselMapping(name=name, mapping=mapping, updated_by=actor, updated_at=now)
        db.session.add(found)
    else:
        found.mapping, found.updated_by, found.updated_at = mapping, actor, now
    db.session.flush()
    append_library_event("library.mapping_saved", {"name": name, "mapping": mapping}, actor=actor, now=now)
    return found


def mapping_view(item: MselMapping) -> dict[str, Any]:
    return {"name": item.name, "mapping": item.mapping, "updated_by": item.updated_by,
            "updated_at": item.updated_at.isoformat()}
