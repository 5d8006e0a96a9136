"""C2SP signed notes (Ed25519) carrying C2SP tlog-checkpoint bodies: pure functions, no files.

A checkpoint note is
    <origin>\\n<tree size>\\n<base64 root hash>\\n
    \\n
    — <key name> <base64(4-byte key id ‖ 64-byte Ed25519 signature over the body)>\\n
The key id is the first 4 bytes of SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ public key); a verifier key
is written `<name>+<key id hex>+<base64(0x01 ‖ public key)>`. These are the formats of
c2sp.org/signed-note and c2sp.org/tlog-checkpoint, so Go's golang.org/x/mod/sumdb/note and
the transparency-dev witnesses read them as they are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALG_ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash and a space
PRIVATE_KEY_PREFIX = "PRIVATE+KEY+"
# A key name is non-empty and holds no whitespace and no "+" (signed-note spec).
_KEY_NAME = re.compile(r"[^\s+]+")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, checkpoint or verifier key that is malformed or does not verify."""


@dataclass(frozen=True)
class Verifier:
    """A public key that can check note signatures made under `name`."""

    name: str
    key_id: bytes
    public_key: bytes  # 32 raw Ed25519 bytes

    @property
    def text(self) -> str:
        """The verifier key string: name+hex key id+base64(0x01 ‖ key)."""
        return f"{self.name}+{self.key_id.hex()}+{b64(ALG_ED25519 + self.public_key)}"

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class CheckpointBody:
    """The parsed first lines of a tlog-checkpoint."""

    origin: str
    tree_size: int
    root_hash: bytes


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NoteError(f"not valid base64: {text[:80]!r}") from None


def check_key_name(name: str) -> str:
    """`name` if it is a valid signed-note key name, else NoteError."""
    if not _KEY_NAME.fullmatch(name):
        raise NoteError(f"invalid key name {name!r}: it must be non-empty without spaces or '+'")
    return name


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: bytes) -> bytes:
    """First 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ALG_ED25519 + public_key).digest()[:4]


def verifier_for(name: str, public_key: bytes) -> Verifier:
    return Verifier(name=check_key_name(name), key_id=key_id(name, public_key), public_key=public_key)


def verifier_parse(text: str) -> Verifier:
    """A Verifier from its `name+hash+base64key` string; NoteError if malformed or inconsistent."""
    parts = text.strip().split("+", 2)  # base64 may contain "+"
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise NoteError(f"malformed verifier key {text[:120]!r}")
    name, hex_id, key = check_key_name(parts[0]), bytes.fromhex(parts[1]), unb64(parts[2])
    if len(key) != 33 or key[:1] != ALG_ED25519:
        raise NoteError("verifier key is not an Ed25519 key")
    verifier = verifier_for(name, key[1:])
    if verifier.key_id != hex_id:
        raise NoteError("verifier key id does not match its name and key")
    return verifier


def signer_key_text(name: str, private_key: Ed25519PrivateKey) -> str:
    """The private key string of Go's note package: PRIVATE+KEY+name+hex key id+base64(0x01 ‖ seed)."""
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    hex_id = key_id(check_key_name(name), public_bytes(private_key)).hex()
    return f"{PRIVATE_KEY_PREFIX}{name}+{hex_id}+{b64(ALG_ED25519 + seed)}"


def signer_key_parse(text: str) -> tuple[str, Ed25519PrivateKey]:
    """Name and key of a private key string; NoteError if malformed or inconsistent."""
    # maxsplit: base64 itself may contain "+"; names and key ids never do.
    parts = text.strip().removeprefix(PRIVATE_KEY_PREFIX).split("+", 2)
    if not text.startswith(PRIVATE_KEY_PREFIX) or len(parts) != 3:
        raise NoteError("not a signed-note private key")
    raw = unb64(parts[2])
    if len(raw) != 33 or raw[:1] != ALG_ED25519:
        raise NoteError("not an Ed25519 private key")
    private_key = Ed25519PrivateKey.from_private_bytes(raw[1:])
    if key_id(check_key_name(parts[0]), public_bytes(private_key)).hex() != parts[1]:
        raise NoteError("private key id does not match its name and key")
    return parts[0], private_key


def checkpoint_body(*, origin: str, tree_size: int, root_hash: bytes) -> str:
    """The tlog-checkpoint body: origin, decimal size and base64 root, each ending in a newline."""
    if not origin or any(ch.isspace() for ch in origin):
        raise NoteError(f"invalid checkpoint origin {origin!r}")
    return f"{origin}\n{tree_size}\n{b64(root_hash)}\n"


def checkpoint_parse(body: str) -> CheckpointBody:
    """Origin, size and root of a checkpoint body (extension lines after the root are allowed)."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0] or not _DECIMAL.fullmatch(lines[1]):
        raise NoteError("not a tlog-checkpoint body")
    root = unb64(lines[2])
    if len(root) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    return CheckpointBody(origin=lines[0], tree_size=int(lines[1]), root_hash=root)


def note_sign(body: str, *, name: str, private_key: Ed25519PrivateKey) -> str:
    """`body` followed by a blank line and one Ed25519 signature line under `name`."""
    if not body.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    signature = private_key.sign(body.encode("utf-8"))
    kid = key_id(check_key_name(name), public_bytes(private_key))
    return f"{body}\n{SIGNATURE_PREFIX}{name} {b64(kid + signature)}\n"


def note_parse(note: str) -> tuple[str, list[Signature]]:
    """The signed text and the signature lines of a note (any key, verified or not)."""
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("a signed note needs its text, a blank line and signature lines")
    body, block = note[: split + 1], note[split + 2 :]
    if any(ord(ch) < 32 and ch != "\n" for ch in body):
        raise NoteError("a note's text may not contain control characters")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX) or line.count(" ") != 2:
            raise NoteError(f"malformed signature line {line[:120]!r}")
        name, blob = line[len(SIGNATURE_PREFIX) :].split(" ")
        raw = unb64(blob)
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append(Signature(name=check_key_name(name), key_id=raw[:4], signature=raw[4:]))
    return body, signatures


def note_verify(note: str, verifiers: list[Verifier]) -> tuple[str, list[Verifier]]:
    """The note's text and the known keys whose signature on it verifies; NoteError if none does.

    Signatures by unknown keys are ignored, as the spec asks, so a witness may add its cosignature.
    """
    body, signatures = note_parse(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    good: list[Verifier] = []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verifies(body.encode("utf-8"), sig.signature):
            raise NoteError(f"signature by {sig.name}+{sig.key_id.hex()} does not verify")
        good.append(verifier)
    if not good:
        raise NoteError("no signature by a known key")
    return body, good
