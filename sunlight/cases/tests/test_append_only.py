"""The case history is append-only in the database itself: UPDATE and DELETE on events, meetings
and kept files are refused by triggers (migrations/0002), whatever the application does."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from sunlight.cases import services
from sunlight.cases.models import CaseEvent, CaseFile, Meeting

from .helpers import START, clock_at, complete, open_f1, passing_meeting, prepare
from .test_services import PDF

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "column"),
    [(CaseEvent, "note"), (Meeting, "agenda"), (CaseFile, "name")],
    ids=["event", "meeting", "file"],
)
def test_the_history_tables_refuse_update_and_delete(persona: Any, monkeypatch: Any, model: Any, column: str) -> None:
    cadre, supervisor = persona("cadre"), persona("supervisor")
    with clock_at(monkeypatch, START):
        case = open_f1(cadre)
        services.case_file_add(actor=cadre, case=case, name="会议记录.pdf", data=PDF)
        prepare(case, 1, actor=cadre, supervisor=supervisor)
        complete(cadre, case, 1)
        passing_meeting(cadre, case, 2)
    row = model.objects.filter(case=case).first()
    assert row is not None
    table = model._meta.db_table
    before = getattr(row, column)
    statements = [
        (f"UPDATE {table} SET {column} = %s WHERE id = %s", ["改过的", row.pk]),  # noqa: S608 (names are constants)
        (f"DELETE FROM {table} WHERE id = %s", [row.pk]),  # noqa: S608
        (f"DELETE FROM {table}", []),  # noqa: S608
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: "改过的"})
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).delete()
    assert getattr(model.objects.get(pk=row.pk), column) == before
