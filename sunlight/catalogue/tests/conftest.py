"""Catalogue test helpers: the small fixture catalogue, copies of it to break, and a loaded list."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import timezone

from sunlight.catalogue.loading import catalogue_load
from sunlight.catalogue.models import ListVersion
from sunlight.conftest import COUNTY
from sunlight.places.models import Level, Place
from sunlight.places.services import place_upsert

FIXTURES = Path(__file__).parent / "fixtures" / "catalogue"


def edit_yaml(directory: Path, name: str, change: Callable[[Any], Any]) -> None:
    """Rewrite one file of a catalogue directory: change(data) edits in place or returns new data."""
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = change(data)
    path.write_text(yaml.safe_dump(data if result is None else result, allow_unicode=True), encoding="utf-8")


def item_of(data: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(x for x in data if x.get("code") == code)


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture catalogue, free to break."""
    target = tmp_path / "catalogue"
    shutil.copytree(FIXTURES, target)
    return target


def fresh_county() -> tuple[Place, Place]:
    """A county of its own with one village (sample data), so no other list is in force there."""
    county, _ = place_upsert(actor=None, code="610599", name="测试县", level=Level.COUNTY, parent=None)
    township, _ = place_upsert(actor=None, code="610599001", name="测试镇", level=Level.TOWNSHIP, parent=county)
    village, _ = place_upsert(actor=None, code="610599001001", name="测试村", level=Level.VILLAGE, parent=township)
    return county, village


@pytest.fixture
def published(db: Any) -> ListVersion:
    """The fixture catalogue published for the demo county, in force today.

    Works whether or not the session already holds the county's default lists: if it does, the
    fixture becomes a new revision effective today, which is then the version in force.
    """
    result = catalogue_load(
        actor=None, county_code=COUNTY, year=timezone.localdate().year, directory=FIXTURES, publish=True
    )
    return result.version
