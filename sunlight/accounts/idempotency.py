"""Keeping an idempotent POST's first answer without keeping its secrets readable.

The stored answer can hold a one-time secret (a new API token is shown once). So the record keeps
neither the client's key nor the answer in the clear: the key is stored as an HMAC digest, and the
answer is sealed with a keystream (SHAKE-256) derived from SECRET_KEY, the owner, the client's raw
key and a per-record nonce. Only a retry that presents the same key can open it; a database reader
cannot. Rotating SECRET_KEY makes pending records unreadable, which only costs those retries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings


def _mac(purpose: str, owner: str, key: str) -> bytes:
    message = f"{purpose}\0{owner}\0{key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def key_digest(*, owner: str, key: str) -> str:
    """What the record stores instead of the client's Idempotency-Key."""
    return _mac("sunlight-idempotency-key", owner, key).hex()


def new_nonce() -> bytes:
    return secrets.token_bytes(16)


def seal(*, owner: str, key: str, nonce: bytes, body: bytes) -> bytes:
    """XOR `body` with a keystream only the same (owner, key) can reproduce; its own inverse."""
    material = _mac("sunlight-idempotency-body", owner, key) + nonce
    stream = hashlib.shake_256(material).digest(len(body)) if body else b""
    return bytes(a ^ b for a, b in zip(body, stream, strict=True))


unseal = seal
