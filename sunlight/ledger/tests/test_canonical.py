"""canonical_json: one byte string per value, so anyone can re-derive a leaf from its record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sunlight.ledger.canonical import canonical_json


class TestCanonicalJson:
    def test_it_sorts_keys_and_writes_no_whitespace(self) -> None:
        assert canonical_json({"b": [1, 2, {"d": None, "c": True}], "a": "x"}) == (
            b'{"a":"x","b":[1,2,{"c":true,"d":null}]}'
        )

    def test_it_writes_chinese_as_utf8_not_escapes(self) -> None:
        assert canonical_json({"标题": "村务公开"}) == '{"标题":"村务公开"}'.encode()

    def test_it_escapes_only_what_json_requires(self) -> None:
        assert canonical_json('a"b\\c\n\u0001') == b'"a\\"b\\\\c\\n\\u0001"'

    def test_it_sorts_keys_by_utf16_code_units_as_rfc8785_does(self) -> None:
        # U+FF61 sorts after U+1F600 in code points but before it in UTF-16 (surrogate D83D).
        assert canonical_json({"\U0001f600": 1, "\uff61": 2}) == '{"😀":1,"｡":2}'.encode()

    def test_it_is_independent_of_insertion_order(self) -> None:
        assert canonical_json({"x": 1, "y": 2}) == canonical_json({"y": 2, "x": 1})

    @pytest.mark.parametrize("value", [1.5, 0.0, float("nan"), Decimal("1.00"), {"amount": 3.2}, [1e3]])
    def test_it_refuses_floats_and_decimals(self, value: object) -> None:
        with pytest.raises(TypeError):
            canonical_json(value)

    @pytest.mark.parametrize("value", [2**53, -(2**53), "\ud800"])
    def test_it_refuses_values_other_parsers_would_read_differently(self, value: object) -> None:
        with pytest.raises(ValueError):
            canonical_json(value)

    def test_it_refuses_non_string_keys_and_other_types(self) -> None:
        with pytest.raises(TypeError):
            canonical_json({1: "a"})
        with pytest.raises(TypeError):
            canonical_json({"a": b"bytes"})

    def test_it_keeps_large_safe_integers_and_booleans_distinct(self) -> None:
        assert canonical_json([2**53 - 1, True, 1, False, 0]) == b"[9007199254740991,true,1,false,0]"
