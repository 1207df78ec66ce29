"""Join codes and bearer tokens."""
import hashlib
import secrets

# No look-alikes (0/O, 1/I/L): codes are read aloud and typed on tablets.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 8  # 31**8 ~ 2**39.6: well over 30 bits


def new_join_code() -> str:
    """A fresh join code shown as XXXX-XXXX."""
    raw = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_join_code(text: str) -> str:
    """What a person typed -> the stored form: upper case, dash in the middle, spaces ignored."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == JOIN_CODE_LENGTH else raw


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()
