"""catalogue_check: the files' structure and every lawfulness rule, one test per rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from sunlight.catalogue.reading import catalogue_check_dir
from sunlight.catalogue.rules import CITATIONS, RULES, Citation, check_catalogue
from sunlight.catalogue.spec import Problem

from .conftest import FIXTURES, edit_yaml, item_of

DEFAULT_DATA = Path(settings.DATA_DIR) / "catalogue"
DEFAULT_FILES = ("power_items.yaml", "responsibilities.yaml", "service_guide.yaml", "certificates.yaml")


def _problems(directory: Path) -> list[Problem]:
    return catalogue_check_dir(directory)[1]


def _only(problems: list[Problem], rule: str) -> list[Problem]:
    found = [p for p in problems if p.rule == rule]
    assert found, f"rule {rule} did not fire; problems: {[str(p) for p in problems]}"
    return found


def _check_fails(directory: Path) -> str:
    with pytest.raises(CommandError):
        call_command("catalogue_check", "--dir", str(directory), stderr=(err := _Out()))
    return err.text


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_it_passes_the_fixture_catalogue(capsys: Any) -> None:
    call_command("catalogue_check", "--dir", str(FIXTURES))
    out = capsys.readouterr().out
    assert "通过" in out and "权力事项 6 项" in out


@pytest.mark.skipif(
    not all((DEFAULT_DATA / f).is_file() for f in DEFAULT_FILES), reason="data/catalogue is not complete yet"
)
def test_it_passes_the_default_data(capsys: Any) -> None:
    call_command("catalogue_check")
    assert "通过" in capsys.readouterr().out


def test_it_lists_every_problem_with_file_and_code(catalogue_dir: Path) -> None:
    def break_two(data: list[dict[str, Any]]) -> None:
        item_of(data, "ZC01")["responsible_role"] = "mayor"
        item_of(data, "ZC03")["flow"] = {"template": "F2"}

    edit_yaml(catalogue_dir, "power_items.yaml", break_two)
    text = _check_fails(catalogue_dir)
    assert "power_items.yaml ZC01" in text and "mayor" in text
    assert "power_items.yaml ZC03" in text and "[art24_full_flow]" in text


def test_it_reports_a_missing_file_and_bad_yaml_with_its_row(catalogue_dir: Path) -> None:
    (catalogue_dir / "certificates.yaml").unlink()
    (catalogue_dir / "categories.yaml").write_text("- {key: a, name: 甲\n- oops", encoding="utf-8")
    problems = _problems(catalogue_dir)
    assert any(p.file == "certificates.yaml" and "缺少文件" in p.message for p in problems)
    bad = next(p for p in problems if p.file == "categories.yaml")
    assert "YAML" in bad.message and bad.row is not None


def test_it_reports_structure_problems(catalogue_dir: Path) -> None:
    def break_structure(data: list[dict[str, Any]]) -> None:
        item_of(data, "ZC01")["flow"]["days"] = {"no_such_step": 3}
        item_of(data, "ZC01")["colour"] = "red"
        del item_of(data, "ZC02")["name"]

    edit_yaml(catalogue_dir, "power_items.yaml", break_structure)
    messages = [(p.code, p.message) for p in _problems(catalogue_dir)]
    assert ("ZC01", "flow.days 指向不存在的步骤 no_such_step") in messages
    assert any(code == "ZC01" and "colour" in m for code, m in messages)
    assert ("ZC02", "缺少必填字段 name") in messages


def test_it_rejects_duplicate_codes(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: data.append(dict(item_of(data, "ZC01"))))
    edit_yaml(catalogue_dir, "responsibilities.yaml", lambda data: data.append(dict(data[0])))
    found = _only(_problems(catalogue_dir), "unique_codes")
    assert {(p.file, p.code) for p in found} == {("power_items.yaml", "ZC01"), ("responsibilities.yaml", "SJ01")}


def test_it_rejects_unknown_roles(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "templates.yaml", lambda data: data[1]["steps"][0].update(role="village_head"))
    edit_yaml(catalogue_dir, "responsibilities.yaml", lambda data: data[0].update(role="clerk"))
    found = _only(_problems(catalogue_dir), "known_roles")
    assert ("templates.yaml", "F2") in {(p.file, p.code) for p in found}
    assert ("responsibilities.yaml", "SJ01") in {(p.file, p.code) for p in found}


def test_it_rejects_unknown_meeting_kinds(catalogue_dir: Path) -> None:
    def change(data: list[dict[str, Any]]) -> None:
        item_of(data, "MS01")["flow"]["add_after"]["survey"][0]["meeting"]["kind"] = "tea_party"
        item_of(data, "ZC01")["deciding_body"] = "party_members"

    edit_yaml(catalogue_dir, "power_items.yaml", change)
    found = _only(_problems(catalogue_dir), "known_meeting_kinds")
    assert {p.code for p in found} >= {"MS01", "ZC01"}
    assert any("tea_party" in p.message for p in found)


def test_it_rejects_unknown_board_sections(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "templates.yaml", lambda data: data[2]["steps"][2]["publish"].update(section="wechat"))
    found = _only(_problems(catalogue_dir), "known_sections")
    assert found[0].file == "templates.yaml" and found[0].code == "F3" and "wechat" in found[0].message
    # Items built from F3 carry the bad step too, and are named as well.
    assert "MS01" in {p.code for p in found}


def test_it_rejects_unknown_references(catalogue_dir: Path) -> None:
    def change(data: list[dict[str, Any]]) -> None:
        item_of(data, "ZC01")["category"] = "sports"
        item_of(data, "ZC01")["basis"] = [{"law": "tax_law", "article": "1"}]

    edit_yaml(catalogue_dir, "power_items.yaml", change)
    messages = [p.message for p in _only(_problems(catalogue_dir), "known_references")]
    assert any("sports" in m for m in messages) and any("tax_law" in m for m in messages)


def test_it_rejects_negative_time_limits(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir, "power_items.yaml", lambda data: item_of(data, "ZC03")["flow"].update(days={"implement": -2})
    )
    edit_yaml(catalogue_dir, "service_guide.yaml", lambda data: data[0].update(days=-1))
    found = _only(_problems(catalogue_dir), "time_limits_not_negative")
    assert {(p.file, p.code) for p in found} == {("power_items.yaml", "ZC03"), ("service_guide.yaml", "FW01")}


def test_it_requires_at_least_one_day_of_publicity(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "power_items.yaml",
        lambda data: item_of(data, "ZC03")["flow"].update(publish_days={"resolution_publicity": 0}),
    )
    found = _only(_problems(catalogue_dir), "publicity_days_positive")
    assert found[0].code == "ZC03" and "resolution_publicity" in found[0].message


def test_it_requires_the_full_flow_for_article_24_matters(catalogue_dir: Path) -> None:
    def change(data: list[dict[str, Any]]) -> None:
        item_of(data, "ZC03")["flow"] = {"template": "F2"}
        item_of(data, "ZC03")["deciding_body"] = "two_committees"

    edit_yaml(catalogue_dir, "power_items.yaml", change)
    found = _only(_problems(catalogue_dir), "art24_full_flow")
    assert {p.code for p in found} == {"ZC03"} and len(found) == 2
    assert "村民委员会组织法" in found[0].message and "第24条" in found[0].message


def test_it_keeps_member_assemblies_to_collective_matters(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "ZC01").update(deciding_body="members"))
    found = _only(_problems(catalogue_dir), "member_bodies_for_collective_matters")
    assert found[0].code == "ZC01"


def test_it_forbids_member_representatives_deciding_reserved_matters(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "ZC04").update(ceol_art26=8))
    found = _only(_problems(catalogue_dir), "member_reps_reserved_matters")
    assert found[0].code == "ZC04" and "农村集体经济组织法" in found[0].message and "第28条" in found[0].message


def test_it_forbids_leaving_reserved_matters_to_member_representatives(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "power_items.yaml",
        lambda data: item_of(data, "ZC04").update(deciding_body="members", ceol_art26=10, delegable=True),
    )
    found = _only(_problems(catalogue_dir), "member_reps_reserved_matters")
    assert found[0].code == "ZC04" and found[0].field == "delegable"


def test_it_keeps_the_charter_with_the_villagers_meeting(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "power_items.yaml",
        lambda data: item_of(data, "ZC02").update(deciding_body="representatives", delegable=True),
    )
    found = _only(_problems(catalogue_dir), "charter_villagers_only")
    assert [p.code for p in found] == ["ZC02", "ZC02"]


def test_it_keeps_the_seven_statutory_steps(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "ZC01")["flow"].update(remove=["review"]))
    found = _only(_problems(catalogue_dir), "f1_statutory_steps")
    assert found[0].code == "ZC01" and "review（党员大会审议）" in found[0].message


def test_it_keeps_the_statutory_steps_in_the_template_too(catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "templates.yaml", lambda data: data[0]["steps"].reverse())
    found = _only(_problems(catalogue_dir), "f1_statutory_steps")
    assert ("templates.yaml", "F1") in {(p.file, p.code) for p in found}
    assert any("顺序" in p.message for p in found)


def test_it_limits_the_published_roster_fields(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "power_items.yaml",
        lambda data: item_of(data, "MS01").update(roster={"fields": ["name", "amount", "id_number", "phone"]}),
    )
    found = _only(_problems(catalogue_dir), "roster_fields_allowed")
    assert found[0].code == "MS01" and "id_number、phone" in found[0].message
    assert "个人信息保护法" in found[0].message


def test_it_requires_the_meaning_of_a_roster_category(catalogue_dir: Path) -> None:
    roster: dict[str, Any] = {"fields": ["name", "amount", "category"]}
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "MS01").update(roster=roster))
    found = _only(_problems(catalogue_dir), "roster_fields_allowed")
    assert "category_label" in found[0].message
    roster["category_label"] = "补贴项目"
    edit_yaml(catalogue_dir, "power_items.yaml", lambda data: item_of(data, "MS01").update(roster=roster))
    assert _problems(catalogue_dir) == []


def test_it_keeps_optional_fields_of_risks_and_rosters(catalogue_dir: Path) -> None:
    def change(data: list[dict[str, Any]]) -> None:
        item_of(data, "MS01")["risks"] = [{"point": "优亲厚友", "control": "近亲属单独登记", "rule": "R-SA1"}]
        item_of(data, "MS01")["roster"] = {"fields": ["name", "category"], "category_label": "保障类别"}

    edit_yaml(catalogue_dir, "power_items.yaml", change)
    spec, problems = catalogue_check_dir(catalogue_dir)
    item = next(i for i in spec.items if i.code == "MS01")
    assert problems == [] and item.risks[0]["rule"] == "R-SA1" and item.roster_category_label == "保障类别"


def test_it_checks_thresholds(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir, "thresholds.yaml", lambda data: data.update(tender={"quotes_from": 50000, "public_from": 10})
    )
    assert any(p.file == "thresholds.yaml" and "tender" in p.message for p in _problems(catalogue_dir))


def test_it_cites_every_rule_as_data() -> None:
    assert {r.key for r in RULES} == set(CITATIONS)
    assert str(Citation("vcol", "24", "8")) == "《中华人民共和国村民委员会组织法》（2018年文本）第24条第（8）项"


def test_it_finds_nothing_wrong_in_an_empty_catalogue_except_the_missing_template() -> None:
    from sunlight.catalogue.spec import CatalogueSpec

    problems = check_catalogue(CatalogueSpec())
    assert [p.rule for p in problems] == ["f1_statutory_steps"]
