"""python manage.py demo_logins: print the demo accounts and, for 2FA accounts, the current code."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sunlight.accounts.demo import people_file
from sunlight.accounts.models import User
from sunlight.accounts.roles import TWO_FACTOR_ROLES, Role


class Command(BaseCommand):
    help = "List the demo logins (demo accounts only), with the current TOTP code where 2FA is required."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--otp", metavar="USERNAME", help="print only the current 2FA code of this demo account")

    def handle(self, *args: Any, otp: str | None = None, **options: Any) -> None:
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        def code(user: User) -> str:
            device = TOTPDevice.objects.filter(user=user, confirmed=True, name="演示验证器").first()
            return f"{totp(device.bin_key):06d}" if device else ""

        if otp:
            user = User.objects.filter(username=otp, demo=True).first()
            self.stdout.write(code(user) if user else "no such demo account")
            return
        data = people_file()
        self.stdout.write(f"Demo logins (password for all: {data['password']}):")
        for person in data["people"]:
            roles = [r["role"] for r in person["roles"]]
            labels = "、".join(str(Role(r).label) for r in roles)
            needs = " [2FA: make demo-otp U={}]".format(person["username"]) if set(roles) & TWO_FACTOR_ROLES else ""
            self.stdout.write(f"  {person['username']:<16} {person['full_name']}  {labels}{needs}")
