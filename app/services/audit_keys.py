"""The audit key: an Ed25519 key, kept outside the database, that signs checkpoints of event logs.

Where the signing key comes from (first match wins):

1. ``CORDON_AUDIT_KEY`` (app setting or environment): a PEM private key, or the path of one;
2. ``instance/audit_key.pem``, created on first use with mode 0600.

Each key's public half is kept as ``<key id>.pub`` in ``CORDON_AUDIT_KEYS_DIR`` (default
``instance/audit_keys/``) from its first use on, so that checkpoints signed before a rotation
still verify. The key is read once per process: rotating it takes a restart (docs/audit.md).
"""
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat, PublicFormat,
                                                          load_pem_private_key, load_pem_public_key)
from flask import current_app

from ..engine.eventlog import key_id

log = logging.getLogger(__name__)

KEY_FILE = "audit_key.pem"
KEYS_DIR = "audit_keys"
DEFAULT_CHECKPOINT_EVERY = 100


class AuditKeyError(RuntimeError):
    """The audit key cannot be read: the message says which setting or file, and why."""


@dataclass(frozen=True)
class AuditKey:
    private_key: Ed25519PrivateKey
    key_id: str
    public_pem: str
    source: str  # where it was read from, for messages

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


_loaded: dict[str, AuditKey] = {}  # by source (a path, or the PEM text itself)
_saved: set[tuple[str, str]] = set()  # (key id, keys dir) whose public half is on disk
_lock = threading.Lock()


def _setting(name: str) -> str | None:
    return current_app.config.get(name) or os.environ.get(name) or None


def audit_key() -> AuditKey:
    """The key that signs checkpoints in this process (created on first use when none is configured)."""
    given = _setting("CORDON_AUDIT_KEY")
    source = given if given else str(Path(current_app.instance_path) / KEY_FILE)
    key = _loaded.get(source)
    if key is None:
        with _lock:
            key = _loaded.get(source) or _load(given, source)
            _loaded[source] = key
    if (key.key_id, str(keys_dir())) not in _saved:
        _save_public_key(key)
    return key


def keys_dir() -> Path:
    return Path(_setting("CORDON_AUDIT_KEYS_DIR") or Path(current_app.instance_path) / KEYS_DIR)


def checkpoint_interval() -> int:
    """A checkpoint every this many events (CORDON_AUDIT_CHECKPOINT_EVERY; 0: only at status changes)."""
    value = current_app.config.get("CORDON_AUDIT_CHECKPOINT_EVERY")
    if value is None:
        value = os.environ.get("CORDON_AUDIT_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY)
    try:
        every = int(value)
    except (TypeError, ValueError):
        raise AuditKeyError(f"CORDON_AUDIT_CHECKPOINT_EVERY must be a whole number, not {value!r}") from None
    if every < 0:
        raise AuditKeyError(f"CORDON_AUDIT_CHECKPOINT_EVERY must be 0 or more, not {every}")
    return every


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key checkpoints may have been signed with: the current key's and the kept ones."""
    keys: dict[str, Ed25519PublicKey] = {}
    folder = keys_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.pub")):
            try:
                public = load_pem_public_key(path.read_bytes())
            except (OSError, ValueError) as exc:
                log.warning("audit key %s cannot be read: %s", path, exc)
                continue
            if not isinstance(public, Ed25519PublicKey):
                log.warning("audit key %s is not an Ed25519 public key", path)
                continue
            keys[key_id(public)] = public  # named by its contents, whatever the file is called
    current = audit_key()
    keys[current.key_id] = current.public_key
    return keys


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _load(given: str | None, source: str) -> AuditKey:
    if given and given.lstrip().startswith("-----BEGIN"):
        pem, where = given.encode("ascii", "replace"), "CORDON_AUDIT_KEY"
    else:
        path = Path(source).expanduser()
        if not given and not path.exists():
            _create_key_file(path)
        where = str(path)
        try:
            pem = path.read_bytes()
        except OSError as exc:
            setting = "CORDON_AUDIT_KEY names" if given else "the audit key"
            raise AuditKeyError(f"{setting} {path}, which cannot be read: {exc.strerror or exc}") from None
    try:
        private = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise AuditKeyError(f"the audit key in {where} is not a readable unencrypted PEM private key: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditKeyError(f"the audit key in {where} is not an Ed25519 key "
                            "(make one with: openssl genpkey -algorithm ed25519)")
    return AuditKey(private, key_id(private.public_key()), public_pem(private.public_key()), where)


def _create_key_file(path: Path) -> None:
    """A new key at `path`, mode 0600, written whole before it appears; if another process made one
    first, that one is kept (all processes sharing the folder then sign with the same key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _write_once(path, pem, mode=0o600)
    log.info("created the audit key %s", path)


def _save_public_key(key: AuditKey) -> None:
    folder = keys_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_once(folder / f"{key.key_id}.pub", key.public_pem.encode("ascii"), mode=0o644)
    except OSError as exc:
        # Signing goes on; only verifying after a rotation needs the file. Say so every time.
        log.warning("cannot keep the audit public key in %s: %s", folder, exc)
        return
    _saved.add((key.key_id, str(folder)))


def _write_once(path: Path, content: bytes, *, mode: int) -> None:
    if path.exists():
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)  # fails if the file appeared meanwhile: the first one wins
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
