"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models.types import render_migration_item

from .conftest import TEST_SETTINGS


def _upgrade_and_diff(url: str) -> list:
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_item": render_migration_item})
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert {"exercises", "events", "teams", "exercise_injects", "actions"} <= tables
    assert left == set(), f"downgrade left tables behind: {left}"
    return diff


def test_sqlite_migrations_match_models(tmp_path):
    assert _upgrade_and_diff(f"sqlite:///{tmp_path / 'm.db'}") == []


@pytest.mark.postgres
def test_postgresql_migrations_match_models(postgres_url):
    assert _upgrade_and_diff(postgres_url) == []
