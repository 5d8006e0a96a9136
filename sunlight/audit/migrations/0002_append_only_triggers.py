"""The database itself refuses UPDATE and DELETE on the audit trail (SQLite and PostgreSQL)."""

from django.db import migrations

TABLE = "audit_auditevent"

SQLITE_UP = [
    f"""CREATE TRIGGER audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]

PG_UP = [
    """CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit trail is append-only: % refused', TG_OP; END;
       $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    f"""CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
PG_DOWN = [
    f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_no_update_delete ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            # params=None: the SQL goes as written. With parameters (even none) Django's
            # PostgreSQL editor would read the `%` of RAISE's format string as a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]
