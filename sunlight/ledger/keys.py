"""The counties' checkpoint signing keys, kept in files outside the database.

    LEDGER_KEY_DIR/                  0700
      <county code>/                 0700
        current                      key id (hex) of the key that signs now
        <key id>.key                 0600, the private key: PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)>
        <key id>.pub                 the verifier key: <name>+<key id>+<base64(0x01 ‖ public key)>

A key is generated on first use. Rotation writes a new key, points `current` at it and deletes
the old private key; every public key stays, so old checkpoints still verify. Someone with
database access alone can therefore neither sign a checkpoint nor swap a verifier key.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from .note import (
    NoteError,
    Verifier,
    check_key_name,
    public_bytes,
    signer_key_parse,
    signer_key_text,
    verifier_for,
    verifier_parse,
)


class KeyStoreError(RuntimeError):
    """The key directory or a key file is missing, malformed or readable by others."""


@dataclass(frozen=True)
class Signer:
    """The current signing key of a county."""

    name: str
    key_id: bytes
    private_key: Ed25519PrivateKey


@dataclass(frozen=True)
class PublishedKey:
    """A verifier key of a county and whether it signs now."""

    verifier: Verifier
    current: bool


def key_name(county_code: str) -> str:
    """The signed-note key name of a county: its log's origin."""
    return check_key_name(f"{settings.LEDGER_ORIGIN_PREFIX}{county_code}")


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _county_dir(county_code: str) -> Path:
    if not county_code.isdigit():
        raise KeyStoreError(f"county code {county_code!r} is not a number")
    _private_dir(Path(settings.LEDGER_KEY_DIR))
    return _private_dir(Path(settings.LEDGER_KEY_DIR) / county_code)


def _write_new(path: Path, text: str, mode: int) -> None:
    """Create `path` (refusing to overwrite) with `mode` from the start, then fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _generate(directory: Path, name: str) -> bytes:
    """Write a new key pair into `directory`; return its key id."""
    while True:
        private_key = Ed25519PrivateKey.generate()
        verifier = verifier_for(name, public_bytes(private_key))
        if not (directory / f"{verifier.key_id.hex()}.pub").exists():
            break
    hex_id = verifier.key_id.hex()
    _write_new(directory / f"{hex_id}.key", signer_key_text(name, private_key) + "\n", 0o600)
    _write_new(directory / f"{hex_id}.pub", verifier.text + "\n", 0o644)
    return verifier.key_id


def _point_current(directory: Path, key_id: bytes, *, replace: bool) -> bool:
    """Make `key_id` the current key, atomically. Without `replace`, lose quietly to a concurrent
    first use (link() refuses an existing name, so readers never see a half-written file)."""
    tmp = directory / f".current.{os.getpid()}.{key_id.hex()}"
    tmp.unlink(missing_ok=True)
    _write_new(tmp, key_id.hex() + "\n", 0o600)
    if replace:
        os.replace(tmp, directory / "current")
        return True
    try:
        os.link(tmp, directory / "current")
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _current_id(directory: Path) -> str | None:
    path = directory / "current"
    if not path.exists():
        return None
    return path.read_text(encoding="ascii").strip()


def _load_private(path: Path) -> tuple[str, Ed25519PrivateKey]:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyStoreError(f"{path} is readable by other users; chmod 600 it")
    try:
        name, private_key = signer_key_parse(path.read_text(encoding="utf-8"))
    except NoteError as exc:
        raise KeyStoreError(f"{path}: {exc}") from None
    if path.stem != verifier_for(name, public_bytes(private_key)).key_id.hex():
        raise KeyStoreError(f"{path}: file name does not match the key id")
    return name, private_key


def signer_get(*, county_code: str) -> Signer:
    """The county's current signing key, generated on first use."""
    directory = _county_dir(county_code)
    hex_id = _current_id(directory)
    if hex_id is None:
        new_id = _generate(directory, key_name(county_code))
        if not _point_current(directory, new_id, replace=False):
            # Another process generated the first key at the same moment and won.
            (directory / f"{new_id.hex()}.key").unlink()
            (directory / f"{new_id.hex()}.pub").unlink()
        hex_id = _current_id(directory)
    name, private_key = _load_private(directory / f"{hex_id}.key")
    return Signer(name=name, key_id=bytes.fromhex(str(hex_id)), private_key=private_key)


def key_rotate(*, county_code: str) -> Verifier:
    """A new signing key for the county; the old private key is deleted, its public key kept."""
    directory = _county_dir(county_code)
    old = _current_id(directory)
    new_id = _generate(directory, key_name(county_code))
    _point_current(directory, new_id, replace=True)
    if old:
        (directory / f"{old}.key").unlink(missing_ok=True)
    return verifier_parse((directory / f"{new_id.hex()}.pub").read_text(encoding="utf-8"))


def published_keys(*, county_code: str) -> list[PublishedKey]:
    """Every verifier key of the county, current first, then retired ones newest first."""
    directory = Path(settings.LEDGER_KEY_DIR) / county_code
    if not county_code.isdigit() or not directory.is_dir():
        return []
    current = _current_id(directory)
    files = sorted(directory.glob("*.pub"), key=lambda p: (p.stem != current, -p.stat().st_mtime_ns, p.stem))
    return [
        PublishedKey(verifier=verifier_parse(p.read_text(encoding="utf-8")), current=p.stem == current) for p in files
    ]
