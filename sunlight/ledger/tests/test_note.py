"""Signed notes and checkpoints, checked byte for byte against Go's golang.org/x/mod/sumdb/note."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sunlight.ledger import note

# The example key and note of the Go reference implementation (note_test.go / package docs).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


class TestGoReferenceVector:
    def test_it_reproduces_the_go_note_byte_for_byte(self) -> None:
        name, key = note.signer_key_parse(GO_SKEY)
        assert name == "PeterNeumann"
        assert note.note_sign(GO_TEXT, name=name, private_key=key) == GO_NOTE
        assert note.signer_key_text(name, key) == GO_SKEY

    def test_it_derives_the_go_key_id_and_verifier_key(self) -> None:
        name, key = note.signer_key_parse(GO_SKEY)
        verifier = note.verifier_for(name, note.public_bytes(key))
        assert verifier.key_id.hex() == "c74f20a3"
        assert verifier.text == GO_VKEY
        assert note.verifier_parse(GO_VKEY) == verifier

    def test_it_verifies_the_go_note_and_refuses_an_altered_one(self) -> None:
        verifier = note.verifier_parse(GO_VKEY)
        body, good = note.note_verify(GO_NOTE, [verifier])
        assert body == GO_TEXT and good == [verifier]
        with pytest.raises(note.NoteError):
            note.note_verify(GO_NOTE.replace("cryptography", "cryptographY"), [verifier])

    @pytest.mark.parametrize(
        "bad",
        [
            GO_VKEY[:-1],
            GO_VKEY.replace("c74f20a3", "c74f20a4"),
            GO_VKEY.replace("PeterNeumann", "PeterNeuman"),
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            GO_VKEY.replace("+ARpc", "+AhRpc"),
            "PeterNeumann+c74f20a3",
        ],
    )
    def test_it_refuses_mangled_verifier_keys(self, bad: str) -> None:
        with pytest.raises(note.NoteError):
            note.verifier_parse(bad)


class TestNotes:
    def test_it_ignores_signatures_by_unknown_keys_so_witnesses_can_cosign(self) -> None:
        verifier = note.verifier_parse(GO_VKEY)
        witness = Ed25519PrivateKey.generate()
        cosigned = GO_NOTE + note.note_sign(GO_TEXT, name="witness.example", private_key=witness).split("\n\n")[1]
        body, good = note.note_verify(cosigned, [verifier])
        assert body == GO_TEXT and good == [verifier]

    def test_it_refuses_a_note_signed_by_no_known_key(self) -> None:
        other = note.verifier_for("PeterNeumann", note.public_bytes(Ed25519PrivateKey.generate()))
        with pytest.raises(note.NoteError, match="no signature by a known key"):
            note.note_verify(GO_NOTE, [other])

    @pytest.mark.parametrize(
        "bad",
        [GO_TEXT, GO_NOTE.rstrip("\n"), GO_NOTE.replace("— ", "-- "), GO_NOTE.replace("x08go", "x08g!"), "\n\n"],
    )
    def test_it_refuses_malformed_notes(self, bad: str) -> None:
        with pytest.raises(note.NoteError):
            note.note_verify(bad, [note.verifier_parse(GO_VKEY)])


class TestCheckpointBody:
    def test_it_writes_origin_size_and_base64_root_each_ending_in_a_newline(self) -> None:
        root = bytes(range(32))
        body = note.checkpoint_body(origin="sunlight.test/ledger/610522", tree_size=42, root_hash=root)
        assert body == f"sunlight.test/ledger/610522\n42\n{base64.b64encode(root).decode()}\n"
        assert note.checkpoint_parse(body) == note.CheckpointBody("sunlight.test/ledger/610522", 42, root)

    def test_it_accepts_extension_lines_and_refuses_malformed_bodies(self) -> None:
        root = base64.b64encode(bytes(32)).decode()
        assert note.checkpoint_parse(f"o\n0\n{root}\nextension line\n").tree_size == 0
        for bad in (f"o\n01\n{root}\n", f"o\n-1\n{root}\n", "o\n1\nAAAA\n", f"\n1\n{root}\n", f"o\n1\n{root}"):
            with pytest.raises(note.NoteError):
                note.checkpoint_parse(bad)
