"""/api/v1/openapi.json is valid OpenAPI 3 and /api/v1/docs works under the site's CSP."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client
from openapi_spec_validator import validate


def _spec(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return dict(response.json())


def test_it_publishes_a_valid_openapi_3_document(client: Client, db: Any) -> None:
    spec = _spec(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_it_describes_the_contract_endpoints(client: Client, db: Any) -> None:
    paths = _spec(client)["paths"]
    for path in ("/api/v1/places", "/api/v1/places/{code}", "/api/v1/tokens", "/api/v1/audit/events"):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_it_describes_the_error_format(client: Client, db: Any) -> None:
    spec = _spec(client)
    assert "error" in spec["info"]["description"]
    not_found = spec["paths"]["/api/v1/places/{code}"]["get"]["responses"]["404"]
    ref = not_found["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert schema["required"] == ["error"]


def test_it_serves_the_docs_page(client: Client, db: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "阳光村务 Sunlight API" in response.content.decode()


def test_it_serves_the_docs_under_the_strict_csp(client: Client, db: Any) -> None:
    response = client.get("/api/v1/docs")
    csp = dict(
        (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    html = response.content.decode()
    # Every script is a same-origin file, and the only inline <script> is JSON data, never run.
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        if "src=" in attrs:
            assert re.search(r'src="/static/', attrs), attrs
        else:
            assert 'type="application/json"' in attrs and body.strip().startswith("{")
    assert "cdn" not in html.lower()
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers need 'unsafe-inline'"
    assert " style=" not in html


def test_it_ships_the_docs_assets_locally(client: Client, db: Any) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert {"ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"} <= set(assets)
    for asset in assets:
        assert finders.find(asset), asset


def test_it_lets_the_docs_page_send_the_csrf_token(client: Client, db: Any) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert 'data-api-csrf="true"' in html
    assert re.search(r'data-csrf-token="[A-Za-z0-9]{32,}"', html)
