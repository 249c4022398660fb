"""Alembic environment: run migrations on the connection qda hands over."""

from __future__ import annotations

from alembic import context

from qda.db.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # pragma: no cover - qda always passes a connection
        raise RuntimeError("qda runs migrations on an open connection only")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise RuntimeError("offline migrations are not supported")
run_migrations_online()
