"""Idempotency-Key on POST: a retry acts once, a reused key with another body is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from sunlight.accounts import services
from sunlight.accounts.idempotency import key_digest
from sunlight.accounts.models import ApiToken, IdempotencyRecord, User
from sunlight.accounts.services import token_create
from sunlight.accounts.tasks import prune_idempotency_records

TOKENS = "/api/v1/tokens"
# accounts sits below audit in the layers (DESIGN.md), so the audit model is looked up by label.
AuditEvent = apps.get_model("audit", "AuditEvent")


@pytest.fixture
def cadre(persona: Any) -> User:
    user: User = persona("cadre")
    return user


def _bearer(user: User) -> dict[str, str]:
    _token, raw = token_create(actor=user, name="t")
    return {"Authorization": f"Bearer {raw}"}


def _post(client: Client, auth: dict[str, str], key: str | None, body: str = '{"name": "小程序"}') -> Any:
    headers = {**auth, "Idempotency-Key": key} if key is not None else auth
    return client.post(TOKENS, data=body, content_type="application/json", headers=headers)


def _stored(user: User, key: str) -> Any:
    """The records of `user`'s requests under the client key `key` (stored as a digest)."""
    return IdempotencyRecord.objects.filter(key=key_digest(owner=str(user.public_id), key=key))


def _last_seq() -> int:
    return int(AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0)


def _tokens_named(user: User, name: str) -> int:
    return ApiToken.objects.filter(user=user, name=name).count()


class TestReplay:
    def test_it_acts_once_and_replays_the_first_answer(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        first = _post(client, auth, "key-1")
        second = _post(client, auth, "key-1")
        assert first.status_code == second.status_code == 201
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        assert second["Idempotent-Replayed"] == "true"
        assert not first.has_header("Idempotent-Replayed")
        assert _tokens_named(cadre, "小程序") == 1

    def test_it_writes_one_audit_row_for_the_single_action(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        start = _last_seq()
        for _ in range(3):
            _post(client, auth, "key-audit")
        assert AuditEvent.objects.filter(seq__gt=start, action="accounts.token_create").count() == 1

    def test_it_acts_every_time_without_a_key(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        _post(client, auth, None)
        _post(client, auth, None)
        assert _tokens_named(cadre, "小程序") == 2
        assert not IdempotencyRecord.objects.exists()

    def test_it_replays_a_stored_validation_error_too(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        first = _post(client, auth, "key-bad", '{"name": 5}')
        second = _post(client, auth, "key-bad", '{"name": 5}')
        assert first.status_code == second.status_code == 422
        assert second.content == first.content

    def test_it_treats_different_keys_as_different_requests(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        _post(client, auth, "key-a")
        _post(client, auth, "key-b")
        assert _tokens_named(cadre, "小程序") == 2

    def test_it_ignores_keys_on_reads(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        response = client.get(TOKENS, headers={**auth, "Idempotency-Key": "key-get"})
        assert response.status_code == 200
        assert not IdempotencyRecord.objects.exists()


class TestReuse:
    def _assert_reused(self, response: Any) -> None:
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "idempotency_key_reused"
        assert error["message"] == "该 Idempotency-Key 已用于另一个不同的请求；请为新请求使用新的键。"
        assert error["details"]["field"] == "Idempotency-Key"

    def test_it_refuses_the_same_key_with_another_body(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        _post(client, auth, "key-2", '{"name": "甲"}')
        self._assert_reused(_post(client, auth, "key-2", '{"name": "乙"}'))
        assert _tokens_named(cadre, "甲") == 1
        assert _tokens_named(cadre, "乙") == 0

    def test_it_refuses_the_same_key_on_another_path(self, client: Client, cadre: User) -> None:
        auth = _bearer(cadre)
        token = _post(client, auth, "key-3").json()
        revoke = client.post(f"{TOKENS}/{token['id']}/revoke", headers={**auth, "Idempotency-Key": "key-3"})
        self._assert_reused(revoke)
        assert ApiToken.objects.get(public_id=token["id"]).revoked_at is None

    def test_it_lets_different_people_use_the_same_key(self, client: Client, cadre: User, persona: Any) -> None:
        outsider = persona("outsider")
        mine = _post(client, _bearer(cadre), "shared-key")
        theirs = _post(client, _bearer(outsider), "shared-key", '{"name": "别的"}')
        assert mine.status_code == theirs.status_code == 201
        assert not theirs.has_header("Idempotent-Replayed")
        assert _tokens_named(outsider, "别的") == 1
        assert theirs.json()["id"] != mine.json()["id"]


class TestBadKeys:
    @pytest.mark.parametrize("key", ["k" * 256, "   ", "tab\tinside"])
    def test_it_refuses_a_key_that_is_too_long_empty_or_unprintable(
        self, client: Client, cadre: User, key: str
    ) -> None:
        response = _post(client, _bearer(cadre), key)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "bad_idempotency_key"
        assert error["message"] == "Idempotency-Key 应为 1 到 255 个可见字符。"
        assert _tokens_named(cadre, "小程序") == 0

    def test_it_accepts_a_key_of_the_maximum_length(self, client: Client, cadre: User) -> None:
        assert _post(client, _bearer(cadre), "k" * 255).status_code == 201


class TestAtomicity:
    def test_it_rolls_back_the_record_and_the_action_on_a_server_error(
        self, cadre: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real_create = services.token_create

        def create_then_fail(**kwargs: Any) -> Any:
            real_create(**kwargs)
            raise DatabaseError("the disk is full")

        auth = _bearer(cadre)
        start = _last_seq()
        monkeypatch.setattr(services, "token_create", create_then_fail)
        client = Client(raise_request_exception=False)
        response = _post(client, auth, "key-500")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "server_error"
        assert not _stored(cadre, "key-500").exists()
        assert _tokens_named(cadre, "小程序") == 0
        assert not AuditEvent.objects.filter(seq__gt=start, action="accounts.token_create").exists()
        monkeypatch.undo()
        retry = _post(client, auth, "key-500")
        assert retry.status_code == 201
        assert not retry.has_header("Idempotent-Replayed")
        assert _tokens_named(cadre, "小程序") == 1

    def test_it_commits_the_record_with_the_action(self, client: Client, cadre: User) -> None:
        _post(client, _bearer(cadre), "key-ok")
        record = _stored(cadre, "key-ok").get()
        assert record.owner == str(cadre.public_id)
        assert record.status_code == 201

    def test_it_keeps_neither_the_key_nor_the_new_token_readable(self, client: Client, cadre: User) -> None:
        response = _post(client, _bearer(cadre), "key-secret")
        raw_token = response.json()["token"]
        record = _stored(cadre, "key-secret").get()
        assert record.key != "key-secret" and "key-secret" not in record.key
        assert raw_token.encode() not in bytes(record.body)
        assert bytes(record.body) != response.content
        # …and yet the retry that presents the key gets the first answer back.
        retry = _post(client, _bearer(cadre), "key-secret")
        assert retry["Idempotent-Replayed"] == "true"
        assert retry.content == response.content

    def test_it_forgets_an_answer_to_bad_credentials(self, client: Client, db: Any) -> None:
        response = _post(client, {"Authorization": "Bearer sl_wrong"}, "key-401")
        assert response.status_code == 401
        anonymous = client.post(
            TOKENS, data="{}", content_type="application/json", headers={"Idempotency-Key": "key-401"}
        )
        assert anonymous.status_code == 401
        assert not IdempotencyRecord.objects.exists()


class TestExpiry:
    def _age(self, key: str, hours: int) -> None:
        digests = [key_digest(owner=str(u.public_id), key=key) for u in User.objects.all()]
        IdempotencyRecord.objects.filter(key__in=digests).update(created_at=timezone.now() - timedelta(hours=hours))

    def test_it_acts_again_once_the_key_has_expired(self, client: Client, cadre: User, settings: Any) -> None:
        settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
        auth = _bearer(cadre)
        _post(client, auth, "key-old")
        self._age("key-old", 25)
        again = _post(client, auth, "key-old")
        assert again.status_code == 201
        assert not again.has_header("Idempotent-Replayed")
        assert _tokens_named(cadre, "小程序") == 2

    def test_it_prunes_records_older_than_the_ttl(self, client: Client, cadre: User, settings: Any) -> None:
        settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
        auth = _bearer(cadre)
        for key in ("old-1", "old-2", "fresh"):
            _post(client, auth, key)
        self._age("old-1", 25)
        self._age("old-2", 48)
        self._age("fresh", 23)
        assert prune_idempotency_records.call() == 2
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [
            key_digest(owner=str(cadre.public_id), key="fresh")
        ]
        assert prune_idempotency_records.call() == 0

    def test_it_is_a_background_task(self) -> None:
        assert prune_idempotency_records.name == "prune_idempotency_records"
        assert prune_idempotency_records.queue_name == "default"
