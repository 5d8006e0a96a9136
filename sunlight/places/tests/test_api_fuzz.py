"""Random input never makes the places API fail: any status below 500, errors in the contract."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Printable and control characters, CJK, digits, URL-significant punctuation and odd Unicode.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("0123456789东晓社区桐峪镇%_/?#&=+\\'\"\x00\x1f ")),
    ),
    max_size=80,
)
_LIMIT = st.one_of(st.integers(min_value=-(10**20), max_value=10**20).map(str), _TEXT)
_FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(response: Any) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message", "details"}
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    else:
        assert isinstance(response.json(), list | dict)


@_FUZZ
@given(q=_TEXT, limit=_LIMIT, extra=st.dictionaries(_TEXT, _TEXT, max_size=3))
def test_it_never_fails_a_random_search(client: Client, db: Any, q: str, limit: str, extra: dict[str, str]) -> None:
    _check(client.get("/api/v1/places", {**extra, "q": q, "limit": limit}))


@_FUZZ
@given(code=_TEXT, digits=st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_it_never_fails_a_random_place_code(client: Client, db: Any, code: str, digits: str) -> None:
    _check(client.get("/api/v1/places/" + quote(code, safe="")))
    _check(client.get("/api/v1/places/" + digits))
