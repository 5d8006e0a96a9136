"""The database keeps a case's history as it was (SQLite and PostgreSQL): the event timeline,
recorded meetings and kept files are append-only (no UPDATE, no DELETE, no TRUNCATE)."""

from django.db import migrations

APPEND_ONLY = ["cases_caseevent", "cases_meeting", "cases_casefile"]

SQLITE_UP = []
for _table in APPEND_ONLY:
    SQLITE_UP += [
        f"""CREATE TRIGGER {_table}_no_update BEFORE UPDATE ON {_table}
            BEGIN SELECT RAISE(ABORT, 'append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {_table}_no_delete BEFORE DELETE ON {_table}
            BEGIN SELECT RAISE(ABORT, 'append-only: DELETE refused'); END;""",
    ]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {t}_no_{op};" for t in APPEND_ONLY for op in ("update", "delete")]

PG_UP = [
    """CREATE OR REPLACE FUNCTION cases_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'cases: % on % refused (case history is append-only)', TG_OP, TG_TABLE_NAME; END;
       $$ LANGUAGE plpgsql;""",
]
for _table in APPEND_ONLY:
    PG_UP += [
        f"""CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table}
            FOR EACH ROW EXECUTE FUNCTION cases_refuse_change();""",
        f"""CREATE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table}
            FOR EACH STATEMENT EXECUTE FUNCTION cases_refuse_change();""",
    ]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in APPEND_ONLY],
    *[f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in APPEND_ONLY],
    "DROP FUNCTION IF EXISTS cases_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the SQL goes as written (PostgreSQL would read RAISE's `%` as a placeholder).
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]
