"""Yearly versions: load, publish, never change once published, revise with a readable diff."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from sunlight.audit.models import AuditEvent
from sunlight.catalogue.diff import catalogue_diff
from sunlight.catalogue.loading import catalogue_load
from sunlight.catalogue.models import ListVersion, PowerItem, VersionStatus
from sunlight.catalogue.selectors import active_items, version_in_force
from sunlight.catalogue.serialize import version_spec
from sunlight.catalogue.services import (
    power_item_add,
    power_item_remove,
    power_item_update,
    version_create,
    version_publish,
)
from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable
from sunlight.places.models import Place

from .conftest import FIXTURES, edit_yaml, fresh_county, item_of
from .test_check import DEFAULT_DATA, DEFAULT_FILES


def _county() -> Place:
    return Place.objects.get(code=COUNTY)


def test_it_loads_and_publishes_the_catalogue(published: ListVersion) -> None:
    assert published.status == VersionStatus.PUBLISHED and published.content_hash
    assert published.items.count() == 6 and published.responsibilities.count() == 3
    assert published.services.count() == 2 and published.certificates.filter(allowed=False).count() == 2
    resolve = published.items.get(code="ZC03").steps.get(key="resolve")
    assert resolve.meeting_kind == "representatives"  # F1's resolution meeting = the item's deciding body
    assert AuditEvent.objects.filter(action="catalogue.version_publish", object_code__contains=COUNTY).exists()


def test_it_loads_idempotently(published: ListVersion, capsys: Any) -> None:
    rows, versions = AuditEvent.objects.count(), ListVersion.objects.count()
    call_command("catalogue_load", "--year", str(published.year), "--dir", str(FIXTURES), "--publish")
    assert "无变化" in capsys.readouterr().out
    assert (AuditEvent.objects.count(), ListVersion.objects.count()) == (rows, versions)
    assert version_in_force(county_code=COUNTY) == published


def test_it_loads_a_changed_file_as_a_new_revision_with_a_diff(published: ListVersion, catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "ZC01").update(name="村发展规划"))
    result = catalogue_load(actor=None, county_code=COUNTY, year=published.year, directory=catalogue_dir, publish=True)
    assert result.outcome == "created" and result.version.revision == published.revision + 1
    assert result.version.based_on == published
    assert [(c.code, c.change) for c in result.diff.items] == [("ZC01", "changed")]  # type: ignore[union-attr]
    published.refresh_from_db()
    assert published.items.get(code="ZC01").name == "村发展规划和年度计划"  # the old version is untouched


def test_it_refuses_to_load_files_with_problems(db: Any, catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "ZC02").update(delegable=True))
    with pytest.raises(Unprocessable) as exc:
        catalogue_load(actor=None, county_code=COUNTY, year=2026, directory=catalogue_dir)
    assert any(d["rule"] == "charter_villagers_only" for d in exc.value.details)


def test_it_refuses_to_edit_a_published_version(published: ListVersion, persona: Any) -> None:
    item = published.items.get(code="ZC01")
    with pytest.raises(Conflict) as exc:
        power_item_update(actor=persona("county"), item=item, changes={"name": "改名"})
    assert exc.value.status == 409 and "已发布" in exc.value.message
    with pytest.raises(Conflict):
        power_item_remove(actor=persona("county"), item=item)
    with pytest.raises(Conflict):
        version_publish(actor=persona("county"), version=published)
    item.refresh_from_db()
    assert item.name == "村发展规划和年度计划"


def test_it_revises_a_copy_of_the_last_published_version(published: ListVersion, persona: Any) -> None:
    county = persona("county")
    draft = version_create(actor=county, county=_county(), year=published.year, note="调整低保流程")
    assert draft.status == VersionStatus.DRAFT and draft.based_on == published
    assert draft.items.count() == published.items.count()
    ms01 = draft.items.get(code="MS01")
    power_item_update(actor=county, item=ms01, changes={"flow": {"template": "F3", "days": {"survey": 5}}})
    power_item_remove(actor=county, item=draft.items.get(code="ZC01"))
    added = power_item_add(
        actor=county,
        version=draft,
        raw={
            "code": "SZ09",
            "name": "集体资产登记清查",
            "category": "assets",
            "kind": "daily",
            "responsible_role": "director",
            "deciding_body": "two_committees",
            "flow": {"template": "F2"},
            "publish": ["清查结果"],
        },
    )
    assert added.initials == "jtzcdjqc" and added.steps.count() == 4
    diff = catalogue_diff(version_spec(published), version_spec(draft))
    changes = {c.code: c for c in diff.items}
    assert changes["SZ09"].change == "added" and changes["ZC01"].change == "removed"
    ms01_steps = {s.key: s.change for s in changes["MS01"].steps}
    assert ms01_steps == {"appraisal": "removed", "survey": "changed"}
    survey = next(s for s in changes["MS01"].steps if s.key == "survey")
    assert [(f.label, f.old, f.new) for f in survey.fields] == [("时限（工作日）", 10, 5)]
    version_publish(actor=county, version=draft)
    assert version_in_force(county_code=COUNTY) == draft
    assert AuditEvent.objects.filter(action="catalogue.item_update", object_code__endswith=":MS01").exists()


def test_it_refuses_a_second_draft(published: ListVersion, persona: Any) -> None:
    version_create(actor=persona("county"), county=_county(), year=published.year)
    with pytest.raises(Conflict):
        version_create(actor=persona("county"), county=_county(), year=published.year)


def test_it_refuses_a_version_older_than_the_last(published: ListVersion, persona: Any) -> None:
    with pytest.raises(Unprocessable):
        version_create(actor=persona("county"), county=_county(), year=published.year - 1)


def test_it_refuses_to_publish_an_unlawful_draft(published: ListVersion, persona: Any) -> None:
    county = persona("county")
    draft = version_create(actor=county, county=_county(), year=published.year)
    # An edit is checked as it is made...
    with pytest.raises(Unprocessable) as exc:
        power_item_update(actor=county, item=draft.items.get(code="ZC03"), changes={"flow": {"template": "F2"}})
    assert any(d["rule"] == "art24_full_flow" for d in exc.value.details)
    # ...and the whole draft again when it is published.
    draft.items.filter(code="ZC02").update(delegable=True)
    with pytest.raises(Unprocessable) as exc:
        version_publish(actor=county, version=draft)
    assert any(d["rule"] == "charter_villagers_only" and d["code"] == "ZC02" for d in exc.value.details)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


@pytest.mark.parametrize("name", ["cadre", "township", "villager", "auditor"])
def test_it_lets_only_the_county_organisation_department_edit(published: ListVersion, persona: Any, name: str) -> None:
    with pytest.raises(Forbidden):
        version_create(actor=persona(name), county=_county(), year=published.year)
    assert AuditEvent.objects.filter(result="denied", object_type="catalogue.edit_version").exists()


def test_it_refuses_to_publish_for_another_person(published: ListVersion, persona: Any) -> None:
    draft = version_create(actor=persona("county"), county=_county(), year=published.year)
    with pytest.raises(Forbidden):
        version_publish(actor=persona("township"), version=draft)


def test_it_picks_the_version_in_force_on_a_date(db: Any, persona: Any) -> None:
    county, village = fresh_county()
    v1 = catalogue_load(actor=None, county_code=county.code, year=2030, directory=FIXTURES, publish=True).version
    assert v1.effective_from == date(2030, 1, 1)  # a county's first list may apply from its year's start
    draft = version_create(actor=None, county=county, year=2031)
    power_item_remove(actor=None, item=draft.items.get(code="ZC01"))
    v2 = version_publish(actor=None, version=draft, effective_from=date(2031, 3, 1))
    codes = {d: {i.code for i in active_items(village, on=d)} for d in (date(2029, 12, 31), date(2031, 2, 28))}
    assert codes[date(2029, 12, 31)] == set()
    assert "ZC01" in codes[date(2031, 2, 28)]
    assert "ZC01" not in {i.code for i in active_items(village, on=date(2031, 3, 1))}
    assert {i.version_id for i in active_items(village, on=date(2031, 3, 1))} == {v2.pk}


def test_it_refuses_a_backdated_revision(published: ListVersion) -> None:
    draft = version_create(actor=None, county=_county(), year=published.year)
    yesterday = timezone.localdate() - timedelta(days=1)
    if yesterday.year != published.year:
        pytest.skip("on 1 January there is no earlier day of the year to try")
    with pytest.raises(Unprocessable) as exc:
        version_publish(actor=None, version=draft, effective_from=yesterday)
    assert "生效日期" in exc.value.message


def test_it_builds_the_list_of_a_village(published: ListVersion) -> None:
    village = Place.objects.get(code=DONGXIAO)
    items = list(active_items(village))
    assert [i.code for i in items][:2] == ["ZC01", "ZC02"]
    assert {i.category.key for i in items} == {"major_decision", "assets", "livelihood", "services"}
    assert PowerItem.objects.filter(version=published).count() == len(items)


@pytest.mark.skipif(
    not all((DEFAULT_DATA / f).is_file() for f in DEFAULT_FILES), reason="data/catalogue is not complete yet"
)
def test_it_loads_the_default_data_into_a_county(db: Any) -> None:
    county, village = fresh_county()
    result = catalogue_load(actor=None, county_code=county.code, year=2026, directory=DEFAULT_DATA, publish=True)
    version = result.version
    assert (result.outcome, version.effective_from) == ("created", date(2026, 1, 1))
    assert version.items.count() == 56 and version.responsibilities.count() == 26
    assert len(active_items(village, on=date(2026, 6, 1))) == 56
    again = catalogue_load(actor=None, county_code=county.code, year=2026, directory=DEFAULT_DATA, publish=True)
    assert (again.outcome, again.version) == ("unchanged", version)
