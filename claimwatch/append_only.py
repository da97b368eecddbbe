"""Append-only tables: the database itself refuses UPDATE and DELETE on them.

The record (timeline events, captures' metadata) must not depend on every code path
going through a service: a queryset `update()`, the admin, a management shell or plain
SQL are refused too. PostgreSQL gets a PL/pgSQL trigger, SQLite a pair of triggers; both
fail with an integrity error (SQLSTATE 23001 on PostgreSQL, SQLITE_CONSTRAINT on SQLite),
which Django raises as `django.db.IntegrityError`.

`allow` names one nullable column that may be set once, from NULL, with nothing else
changing (a capture's `pruned_at`: pruning deletes the stored bytes, never the row).

The migrations install the triggers (`install`); `ensure_all` runs after every
`migrate`, because SQLite drops a table's triggers when a later migration rebuilds the
table (its way to alter a column). TRUNCATE is not refused: it is the table owner's
operation (test runs empty their database with it), outside anything the app does.
"""

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# table -> (column that may be set once from NULL, or "")
TABLES: dict[str, str] = {}

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION claimwatch_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0
       AND to_jsonb(OLD) -> TG_ARGV[0] = 'null'::jsonb
       AND (to_jsonb(NEW) - TG_ARGV[0]) = (to_jsonb(OLD) - TG_ARGV[0]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""


def register(table: str, *, allow: str = "") -> None:
    TABLES[table] = allow


def _columns(conn: BaseDatabaseWrapper, table: str) -> list[str]:
    with conn.cursor() as cursor:
        return [c.name for c in conn.introspection.get_table_description(cursor, table)]


def install(schema_editor, table: str, *, allow: str = "") -> None:
    """Create (or replace) the triggers that make `table` append-only."""
    conn = schema_editor.connection
    name = f"{table}_append_only"
    if conn.vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION, params=None)
        args = f"'{allow}'" if allow else ""
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION claimwatch_refuse_change({args})"
        )
    elif conn.vendor == "sqlite":
        changed = " OR ".join(
            f'NEW."{col}" IS NOT OLD."{col}"' for col in _columns(conn, table) if col != allow
        )
        if allow:
            changed = f'OLD."{allow}" IS NOT NULL OR {changed}'
        message = f"{table} is append-only"
        uninstall(schema_editor, table)  # the column list may have grown
        schema_editor.execute(
            f"CREATE TRIGGER {name}_update BEFORE UPDATE ON {table} "
            f"WHEN {changed} BEGIN SELECT RAISE(ABORT, '{message}: UPDATE refused'); END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}: DELETE refused'); END"
        )
    else:
        raise NotImplementedError(f"No append-only triggers for {conn.vendor}.")


def uninstall(schema_editor, table: str) -> None:
    name = f"{table}_append_only"
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_update")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_delete")


def ensure_all(*, using: str = "default", **kwargs) -> None:
    """post_migrate: put back any trigger a table rebuild dropped (idempotent)."""
    conn = connections[using]
    existing = set(conn.introspection.table_names())
    with conn.schema_editor() as schema_editor:
        for table, allow in TABLES.items():
            if table in existing:
                install(schema_editor, table, allow=allow)
