"""The database itself keeps published content as it was (SQLite and PostgreSQL).

- a published post: no UPDATE, no DELETE;
- workflow events, objections and answers: append-only (no UPDATE, no DELETE);
- attachments: never updated; none added to or removed from a published post.
"""

from django.db import migrations

POST = "disclosure_post"
APPEND_ONLY = ["disclosure_postevent", "disclosure_objection", "disclosure_objectionanswer"]
ATTACHMENT = "disclosure_attachment"
PUBLISHED = f"(SELECT status FROM {POST} WHERE id = %s) = 'published'"

SQLITE_UP = [
    f"""CREATE TRIGGER disclosure_post_no_update BEFORE UPDATE ON {POST} WHEN OLD.status = 'published'
        BEGIN SELECT RAISE(ABORT, 'published post is immutable: UPDATE refused'); END;""",
    f"""CREATE TRIGGER disclosure_post_no_delete BEFORE DELETE ON {POST} WHEN OLD.status = 'published'
        BEGIN SELECT RAISE(ABORT, 'published post is immutable: DELETE refused'); END;""",
    f"""CREATE TRIGGER disclosure_attachment_no_update BEFORE UPDATE ON {ATTACHMENT}
        BEGIN SELECT RAISE(ABORT, 'attachment is immutable: UPDATE refused'); END;""",
    f"""CREATE TRIGGER disclosure_attachment_no_delete BEFORE DELETE ON {ATTACHMENT}
        WHEN {PUBLISHED % "OLD.post_id"}
        BEGIN SELECT RAISE(ABORT, 'attachment of a published post: DELETE refused'); END;""",
    f"""CREATE TRIGGER disclosure_attachment_no_insert BEFORE INSERT ON {ATTACHMENT}
        WHEN {PUBLISHED % "NEW.post_id"}
        BEGIN SELECT RAISE(ABORT, 'attachment of a published post: INSERT refused'); END;""",
]
for _table in APPEND_ONLY:
    SQLITE_UP += [
        f"""CREATE TRIGGER {_table}_no_update BEFORE UPDATE ON {_table}
            BEGIN SELECT RAISE(ABORT, 'append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {_table}_no_delete BEFORE DELETE ON {_table}
            BEGIN SELECT RAISE(ABORT, 'append-only: DELETE refused'); END;""",
    ]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in [
        "disclosure_post_no_update",
        "disclosure_post_no_delete",
        "disclosure_attachment_no_update",
        "disclosure_attachment_no_delete",
        "disclosure_attachment_no_insert",
        *[f"{t}_no_{op}" for t in APPEND_ONLY for op in ("update", "delete")],
    ]
]

PG_UP = [
    """CREATE OR REPLACE FUNCTION disclosure_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'disclosure: % on % refused (published content is immutable)', TG_OP, TG_TABLE_NAME; END;
       $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER disclosure_post_immutable BEFORE UPDATE OR DELETE ON {POST}
        FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION disclosure_refuse_change();""",
    f"""CREATE TRIGGER disclosure_post_no_truncate BEFORE TRUNCATE ON {POST}
        FOR EACH STATEMENT EXECUTE FUNCTION disclosure_refuse_change();""",
    f"""CREATE TRIGGER disclosure_attachment_no_update BEFORE UPDATE ON {ATTACHMENT}
        FOR EACH ROW EXECUTE FUNCTION disclosure_refuse_change();""",
    """CREATE OR REPLACE FUNCTION disclosure_attachment_guard() RETURNS trigger AS $$
       DECLARE target bigint;
       BEGIN
         IF TG_OP = 'DELETE' THEN target := OLD.post_id; ELSE target := NEW.post_id; END IF;
         IF (SELECT status FROM disclosure_post WHERE id = target) = 'published' THEN
           RAISE EXCEPTION 'disclosure: % of an attachment of a published post refused', TG_OP;
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END;
       $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER disclosure_attachment_guard BEFORE INSERT OR DELETE ON {ATTACHMENT}
        FOR EACH ROW EXECUTE FUNCTION disclosure_attachment_guard();""",
]
for _table in APPEND_ONLY:
    PG_UP += [
        f"""CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table}
            FOR EACH ROW EXECUTE FUNCTION disclosure_refuse_change();""",
        f"""CREATE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table}
            FOR EACH STATEMENT EXECUTE FUNCTION disclosure_refuse_change();""",
    ]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in APPEND_ONLY],
    *[f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in APPEND_ONLY],
    f"DROP TRIGGER IF EXISTS disclosure_attachment_guard ON {ATTACHMENT};",
    f"DROP TRIGGER IF EXISTS disclosure_attachment_no_update ON {ATTACHMENT};",
    f"DROP TRIGGER IF EXISTS disclosure_post_no_truncate ON {POST};",
    f"DROP TRIGGER IF EXISTS disclosure_post_immutable ON {POST};",
    "DROP FUNCTION IF EXISTS disclosure_attachment_guard();",
    "DROP FUNCTION IF EXISTS disclosure_refuse_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the SQL goes as written; with parameters the PostgreSQL editor would
            # read the `%` of RAISE's format string as a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]
