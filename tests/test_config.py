"""Settings read from the environment."""
import pytest

from app.config import Config

LIMITS = ("CORDON_JOIN_RATE_LIMIT", "CORDON_JOIN_FAILURE_LIMIT", "CORDON_JOIN_GLOBAL_FAILURE_LIMIT",
          "CORDON_LOGIN_RATE_LIMIT")


def test_rate_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CORDON_SECRET_KEY", "k")
    monkeypatch.setenv("CORDON_JOIN_RATE_LIMIT", "5000 per minute")
    monkeypatch.setenv("CORDON_JOIN_FAILURE_LIMIT", "5 per minute; 50 per hour")
    monkeypatch.setenv("CORDON_JOIN_GLOBAL_FAILURE_LIMIT", "100 per hour")
    monkeypatch.setenv("CORDON_LOGIN_RATE_LIMIT", "3 per hour")
    settings = Config.from_env()
    assert settings["CORDON_JOIN_RATE_LIMIT"] == "5000 per minute"
    assert settings["CORDON_JOIN_FAILURE_LIMIT"] == "5 per minute; 50 per hour"
    assert settings["CORDON_JOIN_GLOBAL_FAILURE_LIMIT"] == "100 per hour"
    assert settings["CORDON_LOGIN_RATE_LIMIT"] == "3 per hour"


def test_rate_limits_default_without_the_environment(monkeypatch):
    monkeypatch.setenv("CORDON_SECRET_KEY", "k")
    for name in LIMITS:
        monkeypatch.delenv(name, raising=False)
    settings = Config.from_env()
    assert settings["CORDON_JOIN_RATE_LIMIT"] == "600 per minute"  # a class of tablets behind one address
    assert settings["CORDON_JOIN_FAILURE_LIMIT"] == "30 per minute; 300 per hour"
    assert settings["CORDON_JOIN_GLOBAL_FAILURE_LIMIT"] == "2000 per hour"
    assert settings["CORDON_LOGIN_RATE_LIMIT"] == "10 per minute"


def test_trusted_proxies_default_to_none_and_must_be_a_count(monkeypatch):
    monkeypatch.setenv("CORDON_SECRET_KEY", "k")
    monkeypatch.delenv("CORDON_TRUSTED_PROXIES", raising=False)
    assert Config.from_env()["CORDON_TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("CORDON_TRUSTED_PROXIES", "2")
    assert Config.from_env()["CORDON_TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("CORDON_TRUSTED_PROXIES", "yes")
    with pytest.raises(ValueError, match="CORDON_TRUSTED_PROXIES must be a whole number"):
        Config.from_env()
