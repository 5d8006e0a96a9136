"""Settings of the end-to-end test server: the real settings with the test suite's fast password hasher.

Loading the demo county hashes 29 passwords; with PBKDF2's 1,000,000 rounds that alone takes longer
than all the browser tests. sunlight/conftest.py makes the same choice for in-process tests.
"""

from __future__ import annotations

from sunlight.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
