"""The audit key: where it comes from, how it is created, rotated, and what a bad one says."""
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from app.engine.eventlog import key_id
from app.extensions import db
from app.models import AuditCheckpoint, Exercise
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.services.audit_keys import AuditKeyError, audit_key, checkpoint_interval, public_keys

from ..helpers import audit_key_pem, gen_exercise


@pytest.fixture
def instance_app(library_app, tmp_path, monkeypatch):
    """The app with no key configured: it must make its own in its instance folder."""
    monkeypatch.delenv("CORDON_AUDIT_KEY", raising=False)
    monkeypatch.delenv("CORDON_AUDIT_KEYS_DIR", raising=False)
    library_app.config["CORDON_AUDIT_KEY"] = None
    library_app.config["CORDON_AUDIT_KEYS_DIR"] = None
    library_app.instance_path = str(tmp_path / "instance")
    return library_app


def test_a_key_is_created_on_first_use_readable_by_its_owner_only(instance_app, tmp_path, clock):
    path = tmp_path / "instance" / "audit_key.pem"
    assert not path.exists()
    exercise = gen_exercise()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = audit_key()
    assert key.source == str(path) and exercise.signed_head_key_id == key.key_id
    kept = tmp_path / "instance" / "audit_keys" / f"{key.key_id}.pub"
    assert kept.read_text() == key.public_pem
    again = audit_key()
    assert again.key_id == key.key_id and path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_a_key_made_by_another_process_first_is_kept(instance_app, tmp_path):
    from app.services.audit_keys import _create_key_file

    path = tmp_path / "shared" / "audit_key.pem"
    _create_key_file(path)
    first = path.read_bytes()
    _create_key_file(path)  # a second process, a moment later
    assert path.read_bytes() == first and [p.name for p in path.parent.iterdir()] == ["audit_key.pem"]


def test_the_key_can_be_given_as_pem_or_as_a_path(library_app, tmp_path):
    pem = audit_key_pem()
    library_app.config["CORDON_AUDIT_KEY"] = pem
    from_text = audit_key()
    path = tmp_path / "deploy" / "audit.pem"
    path.parent.mkdir()
    path.write_text(pem)
    library_app.config["CORDON_AUDIT_KEY"] = str(path)
    from_file = audit_key()
    assert from_text.key_id == from_file.key_id and from_file.source == str(path)


@pytest.mark.parametrize("given, message", [
    ("{tmp}/missing.pem", "CORDON_AUDIT_KEY names {tmp}/missing.pem, which cannot be read"),
    ("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
     "the audit key in CORDON_AUDIT_KEY is not a readable unencrypted PEM private key"),
    ("ec", "is not an Ed25519 key (make one with: openssl genpkey -algorithm ed25519)"),
])
def test_a_bad_key_says_which_and_why(library_app, tmp_path, given, message):
    if given == "ec":
        given = generate_private_key(SECP256R1()).private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    library_app.config["CORDON_AUDIT_KEY"] = given.format(tmp=tmp_path)
    with pytest.raises(AuditKeyError, match=message.format(tmp=tmp_path).replace("(", r"\(").replace(")", r"\)")):
        audit_key()


@pytest.mark.parametrize("value, ok", [(0, True), ("25", True), (-1, False), ("often", False)])
def test_the_checkpoint_interval_is_a_whole_number(library_app, value, ok):
    library_app.config["CORDON_AUDIT_CHECKPOINT_EVERY"] = value
    if ok:
        assert checkpoint_interval() == int(value)
    else:
        with pytest.raises(AuditKeyError, match="CORDON_AUDIT_CHECKPOINT_EVERY"):
            checkpoint_interval()


def test_after_a_rotation_old_checkpoints_verify_with_the_kept_public_key(library_app, clock, tmp_path):
    exercise = gen_exercise()
    old = audit_key()
    library_app.config["CORDON_AUDIT_KEY"] = audit_key_pem()  # the operator rotates the key
    new = audit_key()
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    signers = set(db.session.scalars(select(AuditCheckpoint.key_id).where(AuditCheckpoint.exercise_id == exercise.id)))
    assert signers == {old.key_id, new.key_id}
    assert db.session.get(Exercise, exercise.id).signed_head_key_id == new.key_id
    assert set(public_keys()) == {old.key_id, new.key_id}
    assert verify_exercise(exercise.id)["ok"] is True
    # Without the old public key, what it signed cannot be told from a forgery.
    (tmp_path / "audit_keys" / f"{old.key_id}.pub").unlink()
    result = verify_exercise(exercise.id)
    assert result["ok"] is False and result["problems"][0]["kind"] == "signature"
    assert f"signed with key {old.key_id}, which is not among the known public keys" in result["reason"]


def test_key_ids_are_named_by_the_key_not_by_the_file(library_app, tmp_path):
    from app.services.audit_keys import public_pem
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "audit_keys").mkdir(exist_ok=True)
    (tmp_path / "audit_keys" / "0000000000000000.pub").write_text(public_pem(other))
    (tmp_path / "audit_keys" / "broken.pub").write_text("not a key")
    assert key_id(other) in public_keys() and "0000000000000000" not in public_keys()


def test_the_cli_shows_the_key_to_give_to_verifiers(library_app, runner):
    key = audit_key()
    result = runner.invoke(args=["audit", "key"])
    assert result.exit_code == 0 and result.output.startswith(f"key id {key.key_id} (from CORDON_AUDIT_KEY)")
    assert key.public_pem in result.output
