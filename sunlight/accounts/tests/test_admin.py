"""Django's admin: only a system administrator who has passed 2FA gets in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sunlight.accounts.services import role_end


@pytest.mark.django_db
class TestAdminSite:
    def test_it_lets_a_verified_sysadmin_in(self, login: Any) -> None:
        response = login("admin").get("/admin/")
        assert response.status_code == 200
        assert "阳光村务 · 系统管理" in response.content.decode()

    def test_it_lets_a_verified_sysadmin_read_the_audit_trail_there(self, login: Any) -> None:
        assert login("admin").get("/admin/audit/auditevent/").status_code == 200

    def test_it_sends_a_sysadmin_without_2fa_to_verify(self, password_login: Any) -> None:
        response = password_login("admin").get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/")

    @pytest.mark.parametrize("name", ["county", "auditor", "township", "cadre", "villager"])
    def test_it_keeps_everyone_else_out(self, login: Any, name: str) -> None:
        client = login(name)
        for path in ("/admin/", "/admin/accounts/user/", "/admin/audit/auditevent/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith("/admin/login/"), path

    def test_it_keeps_out_a_county_official_made_django_staff(self, login: Any, persona: Any) -> None:
        county = persona("county")
        county.is_staff = True
        county.is_superuser = True
        county.save(update_fields=["is_staff", "is_superuser"])
        assert login("county").get("/admin/")["Location"].startswith("/admin/login/")

    def test_it_keeps_out_a_sysadmin_whose_role_has_ended(self, login: Any, persona: Any) -> None:
        role_end(actor=None, assignment=persona("admin").roles.get(), end_date=timezone.localdate() - timedelta(days=1))
        assert persona("admin").is_staff
        assert login("admin").get("/admin/")["Location"].startswith("/admin/login/")

    def test_it_keeps_out_a_sysadmin_who_is_not_django_staff(self, login: Any, persona: Any) -> None:
        admin = persona("admin")
        admin.is_staff = False
        admin.save(update_fields=["is_staff"])
        assert login("admin").get("/admin/")["Location"].startswith("/admin/login/")

    def test_it_keeps_out_anonymous(self, client: Client) -> None:
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_it_leaves_the_audit_trail_read_only(self, login: Any) -> None:
        client = login("admin")
        assert client.get("/admin/audit/auditevent/add/").status_code == 403
