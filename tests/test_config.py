"""Settings read from the environment."""
from app.config import Config


def test_rate_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CORDON_SECRET_KEY", "k")
    monkeypatch.setenv("CORDON_JOIN_RATE_LIMIT", "5000 per minute")
    monkeypatch.setenv("CORDON_LOGIN_RATE_LIMIT", "3 per hour")
    settings = Config.from_env()
    assert settings["CORDON_JOIN_RATE_LIMIT"] == "5000 per minute"
    assert settings["CORDON_LOGIN_RATE_LIMIT"] == "3 per hour"


def test_rate_limits_default_without_the_environment(monkeypatch):
    monkeypatch.setenv("CORDON_SECRET_KEY", "k")
    monkeypatch.delenv("CORDON_JOIN_RATE_LIMIT", raising=False)
    monkeypatch.delenv("CORDON_LOGIN_RATE_LIMIT", raising=False)
    settings = Config.from_env()
    assert settings["CORDON_JOIN_RATE_LIMIT"] == "20 per minute"
    assert settings["CORDON_LOGIN_RATE_LIMIT"] == "10 per minute"
