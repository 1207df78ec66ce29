"""Library tests: a copy of the fixture library the test may edit, and staff with bearer tokens."""
import shutil

import pytest
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User

from ..helpers import FIXTURE_LIBRARY, PASSWORD, bearer, token_for

_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashing is slow: once for the module


@pytest.fixture
def root(app, tmp_path):
    """A copy of the fixture library (injects/mini-drill, sop/mini-sop) that the app reads."""
    copy = tmp_path / "content"
    shutil.copytree(FIXTURE_LIBRARY, copy)
    app.config["CORDON_CONTENT_ROOT"] = str(copy)
    return copy


@pytest.fixture
def staff(app):
    """Bearer headers by role: controller ctl, evaluator eva, admin adm."""
    users = {role: User(username=name, role=role, password_hash=_PASSWORD_HASH)
             for name, role in (("ctl", "controller"), ("eva", "evaluator"), ("adm", "admin"))}
    db.session.add_all(users.values())
    db.session.commit()
    return {role: bearer(token_for(user)) for role, user in users.items()}


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))
