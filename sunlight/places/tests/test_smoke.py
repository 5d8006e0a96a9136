from __future__ import annotations

from typing import Any

# Written out: places sits below accounts, so its tests do not import sunlight.conftest.
DONGXIAO = "610522103001"


def test_it_serves_the_village_page(client: Any, db: Any) -> None:
    response = client.get(f"/v/{DONGXIAO}/")
    assert response.status_code == 200
    assert "东晓社区" in response.content.decode()


def test_it_logs_in_a_township_official_with_2fa(login: Any) -> None:
    client = login("township")
    assert client.get("/w/").status_code == 200
