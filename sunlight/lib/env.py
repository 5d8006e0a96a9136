"""Typed readers for settings from the environment.

Each reader fails loudly (ImproperlyConfigured) on a missing required value or a value of the
wrong shape, so a misconfigured server refuses to start instead of running half-configured.
A `.env` file at the project root is read first; real environment variables win over it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_dotenv(path: Path) -> None:
    """Put KEY=VALUE lines of `path` into os.environ unless already set there."""
    if not path.is_file():
        return
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ImproperlyConfigured(f"{path}:{lineno}: expected KEY=VALUE, got {raw!r}")
        key, value = line.split("=", 1)
        value = value.strip().strip("'\"")
        os.environ.setdefault(key.strip(), value)


def _raw(name: str, default: object) -> str | object:
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required (see .env.example)")
        return default
    return value


def env_str(name: str, default: str | object = _MISSING) -> str:
    """A string setting; required unless a default is given."""
    value = _raw(name, default)
    return str(value)


def env_bool(name: str, default: bool | object = _MISSING) -> bool:
    """A boolean setting written as 1/0, true/false, yes/no or on/off."""
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def env_int(name: str, default: int | object = _MISSING) -> int:
    """An integer setting."""
    value = _raw(name, default)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str] | object = _MISSING) -> list[str]:
    """A comma-separated list setting."""
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(",") if item.strip()]


def database_from_url(url: str, *, sqlite_default: Path) -> dict[str, object]:
    """Django DATABASES['default'] from a DATABASE_URL (postgres:// or sqlite:///) or the default file."""
    if not url:
        return _sqlite(sqlite_default)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return _sqlite(Path(unquote(parts.path)) if parts.path not in ("", "/") else sqlite_default)
    if parts.scheme in ("postgres", "postgresql"):
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "sunlight",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (sqlite, postgres)")


def _sqlite(path: Path) -> dict[str, object]:
    # WAL for concurrent readers, synchronous=FULL so an acknowledged publication survives power
    # loss, IMMEDIATE transactions so writers queue instead of failing with SQLITE_BUSY.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Keep each server thread's connection open: reopening (and re-running the PRAGMAs) on
        # every request cost a third of the village page's throughput.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        },
    }
