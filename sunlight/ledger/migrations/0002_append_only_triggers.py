"""The database itself refuses UPDATE and DELETE on the transparency logs (SQLite and PostgreSQL).

A published entry, a stored subtree hash and a signed checkpoint are never changed: a correction
is a new entry pointing at the old one.
"""

from django.db import migrations

TABLES = ["ledger_ledgerentry", "ledger_ledgernode", "ledger_checkpoint"]

SQLITE_UP = [
    sql
    for table in TABLES
    for sql in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'transparency log is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'transparency log is append-only: DELETE refused'); END;""",
    )
]
SQLITE_DOWN = [
    sql
    for table in TABLES
    for sql in (f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;")
]

PG_UP = [
    """CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'transparency log is append-only: % refused', TG_OP; END;
       $$ LANGUAGE plpgsql;""",
] + [
    sql
    for table in TABLES
    for sql in (
        f"""CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();""",
    )
]
PG_DOWN = [
    sql
    for table in TABLES
    for sql in (
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};",
    )
] + ["DROP FUNCTION IF EXISTS ledger_refuse_change();"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the SQL goes as written. With parameters (even none) Django's
            # PostgreSQL editor would read the `%` of RAISE's format string as a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]
