"""The privacy rules: ID check digits, Luhn, what each column kind shows."""

from __future__ import annotations

from sunlight.disclosure.privacy import (
    COLUMN_RULES,
    Shown,
    id_check_digit,
    is_id_number,
    luhn_ok,
    personal_data_in,
    table_render,
)

from .conftest import fake_card, fake_id, fake_mobile, roster_table


def test_it_checks_the_id_number_check_digit() -> None:
    assert id_check_digit("11010519491231002") == "X"  # the standard's own example
    assert is_id_number("11010519491231002X") and is_id_number(fake_id(1))
    assert not is_id_number(fake_id(1)[:17] + ("0" if fake_id(1)[17] != "0" else "1"))


def test_it_finds_numbers_with_spaces_and_fullwidth_digits() -> None:
    full = fake_mobile(3).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    found = personal_data_in([("body", f"电话：{full}")])
    assert found[0].kind == "mobile" and found[0].offset == 3
    card = fake_card(4)
    spaced = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    assert luhn_ok(card) and personal_data_in([("body", spaced)])[0].kind == "bank_card"


def test_it_leaves_ordinary_numbers_alone() -> None:
    assert personal_data_in([("body", "2026年收入 1234567 元，共 15 户，编号 610522103001。")]) == []
    assert personal_data_in([("body", fake_id(1)[:17] + "0" if fake_id(1)[17] != "0" else fake_id(1)[:17] + "1")]) == []


def test_it_keeps_the_rules_as_data_for_every_roster_kind() -> None:
    public = {k for k, r in COLUMN_RULES.items() if r.public is Shown.ALLOWED}
    assert {"name", "household_size", "amount", "category", "period", "group"} <= public
    assert all(
        COLUMN_RULES[k].public is Shown.NEVER for k in ("id_number", "phone", "bank_account", "health", "income")
    )


def test_it_renders_only_the_item_s_allowed_columns_in_public() -> None:
    table = roster_table(1)
    public = table_render(table, staff=False, allowed=frozenset({"name", "amount"}))
    assert [c["kind"] for c in public["columns"]] == ["name", "amount"] and public["rows"] == [["测试户1", "650"]]
    staff = table_render(table, staff=True)
    assert staff["rows"][0][3] == "999999********" + fake_id(1)[-4:]
