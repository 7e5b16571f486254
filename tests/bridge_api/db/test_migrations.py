"""The migrations are the schema: they build exactly what the models describe, and undo."""

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

import bridge_api.db.models  # noqa: F401  (registers every table)
from bridge_api.db.base import Base
from bridge_api.db.migrate import alembic_config, upgrade
from tests.database import _throwaway_database


def _differences(engine: Engine) -> list[object]:
    def ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        return not (type_ == "table" and name.startswith("procrastinate"))

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_schemas": True, "include_object": ours}
        )
        return list(compare_metadata(context, Base.metadata))


def test_the_migrations_build_the_models_schema_and_downgrade_cleanly(
    tmp_path_factory, engine: Engine
):
    url, admin = _throwaway_database(tmp_path_factory.mktemp("migrations"))
    scratch = create_engine(url)
    try:
        upgrade(url)
        assert _differences(scratch) == []
        command.downgrade(alembic_config(url), "base")
        upgrade(url)
        assert _differences(scratch) == []
    finally:
        scratch.dispose()
        if admin is not None:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')
