"""Settings of the cases end-to-end server: the e2e settings plus a "today" the test can move.

A 四议两公开 case waits out two publicity periods (5 and 7 days) and notice periods before its
meetings; a browser test cannot wait a week. So the server's `timezone.localdate()` (the date the
case services work with) reads the date written in the file named by E2E_TODAY_FILE, or the real
date when the file is empty or absent. Clock times (`timezone.now()`: published_at, sessions,
audit rows) stay real.

Only this module installs the hook, and it lives in a test package: production runs
`sunlight.settings` and nothing there reads E2E_TODAY_FILE. As a second lock it refuses to load
unless DEMO_MODE is on and E2E_TODAY_FILE is set.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone as _timezone

from sunlight.web.tests.e2e_settings import *  # noqa: F403
from sunlight.web.tests.e2e_settings import DEMO_MODE

if not DEMO_MODE or not os.environ.get("E2E_TODAY_FILE"):
    raise ImproperlyConfigured("sunlight.cases.tests.e2e_settings is for the e2e test server only")

_TODAY_FILE = Path(os.environ["E2E_TODAY_FILE"])
_real_localdate = _timezone.localdate


def _moved_localdate(value: dt.datetime | None = None, timezone: Any = None) -> dt.date:
    if value is None:
        try:
            text = _TODAY_FILE.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            text = ""
        if text:
            return dt.date.fromisoformat(text)
    return _real_localdate(value, timezone)


_timezone.localdate = _moved_localdate
