"""Answers are dumped through their schemas: nothing a service returns may go undeclared."""
import pytest

from app.schemas.out import InjectOut, Out


def test_an_undeclared_key_is_an_error_under_tests(app):
    with app.app_context():
        with pytest.raises(ValueError, match="InjectOut does not declare secret"):
            InjectOut().dump({"id": "I-01", "secret": "the expected answer"})


def test_outside_tests_it_is_left_out_and_logged(app, caplog):
    app.testing = False
    try:
        with app.app_context():
            assert InjectOut().dump({"id": "I-01", "secret": "x"}) == {"id": "I-01"}
    finally:
        app.testing = True
    assert "InjectOut does not declare secret" in caplog.text


def test_a_team_view_dumps_only_what_it_holds(app):
    with app.app_context():
        dumped = InjectOut().dump({"id": "I-01", "title": "Smoke", "from": "Dispatch", "to": ["fire"]})
    assert dumped == {"id": "I-01", "title": "Smoke", "from": "Dispatch", "to": ["fire"]}
    assert list(dumped) == ["id", "title", "from", "to"]  # the schema's order: deterministic


def test_every_answer_schema_refuses_unknown_keys_when_loaded():
    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)
    for schema in all_subclasses(Out):
        assert schema.Meta.unknown == "raise", schema.__name__
