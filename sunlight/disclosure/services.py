"""Writes of the board. Each is one transaction with its audit row. Permission is checked before
the transaction opens, so the audit row of a refusal is not rolled back with it.

A published post is never changed (the database refuses it too): a correction is a new post
that, once published, replaces the old one; a withdrawal is a new post published at once.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunlight.accounts.permissions import can, require
from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.selectors import thresholds_in_force
from sunlight.ledger.canonical import canonical_json
from sunlight.ledger.services import checkpoint_sign, entry_append
from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import Conflict, Unprocessable
from sunlight.places.models import Level, Place

from . import permissions as perm
from . import rules
from .content import leaf_document, sha256_hex, tables_clean
from .models import Attachment, Objection, ObjectionAnswer, Post, PostEvent, PostKind, PostStatus, Section
from .privacy import KIND_LABELS, Finding, personal_data_in, public_texts

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
FIELD_LABELS = {
    "title": gettext_lazy("标题"),
    "body": gettext_lazy("正文"),
    "reasons": gettext_lazy("异议理由"),
    "text": gettext_lazy("答复"),
}


class AttachmentTooLarge(Unprocessable):
    status = 413
    code = "too_large"


def size_label(size: int) -> str:
    """A byte count for people: "10 MB" for a round limit, otherwise Django's "2.4 MB" or "900 KB"."""
    return filesizeformat(size).replace(".0\xa0", "\xa0")


def max_attachment_bytes() -> int:
    """The attachment size limit in bytes (setting DISCLOSURE_MAX_ATTACHMENT_BYTES, 10 MB by default)."""
    return int(settings.DISCLOSURE_MAX_ATTACHMENT_BYTES)


def attachment_too_large(size: int) -> AttachmentTooLarge:
    """The 413 for an attachment of `size` bytes over the limit (the same words in forms and API)."""
    limit = max_attachment_bytes()
    return AttachmentTooLarge(
        _("附件太大：最大 %(max)s，此文件 %(size)s。") % {"max": size_label(limit), "size": size_label(size)},
        details=[{"field": "file", "size": size, "max": limit}],
    )


def _audit(actor: Any, action: str, post: Post, request: Any, **detail: Any) -> None:
    audit_write(
        actor=actor,
        action=f"disclosure.{action}",
        object_type="post",
        object_code=str(post.public_id),
        place_code=post.village.code,
        request=request,
        detail=detail,
    )


def _locked(post: Post) -> Post:
    """The post re-read under a row lock inside the caller's transaction."""
    return (
        Post.objects.select_for_update(of=("self",)).select_related("village", "power_item", "replaces").get(pk=post.pk)
    )


def _ensure_editable(post: Post) -> None:
    if post.status == PostStatus.PUBLISHED:
        raise Conflict(
            _("该内容已发布，不能修改或删除；如有错误，请发布更正。"),
            details={"post": str(post.public_id), "status": post.status},
            code="post_published",
        )


def _field_label(field: str) -> str:
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    return field


def privacy_error(findings: list[Finding]) -> Unprocessable:
    """Unprocessable naming the first spot (field, character position, masked match)."""
    first = findings[0]
    message = _(
        "%(field)s第 %(pos)s 个字起有%(kind)s（%(match)s）："
        "公开内容不能包含身份证号、手机号或银行卡号，请删除后再发布。"
    ) % {
        "field": _field_label(first.field),
        "pos": first.offset + 1,
        "kind": KIND_LABELS[first.kind],
        "match": first.masked,
    }
    if len(findings) > 1:
        message += _("（共 %(n)s 处）") % {"n": len(findings)}
    return Unprocessable(message, details=[f.as_dict() for f in findings], code="personal_data")


def _check_free_text(field: str, text: str) -> None:
    findings = personal_data_in([(field, text)])
    if findings:
        raise privacy_error(findings)


def _clean_period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    if (start is None) != (end is None):
        raise Unprocessable(_("公示期应同时填写开始和结束日期。"), details=[{"field": "publicity_end"}])
    if start and end and end < start:
        raise Unprocessable(_("公示结束日期不能早于开始日期。"), details=[{"field": "publicity_end"}])
    return start, end


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "section" in fields:
        if fields["section"] not in Section.values:
            raise Unprocessable(_("栏目应为党务、村务、财务或事务。"), details=[{"field": "section"}])
        clean["section"] = fields["section"]
    if "title" in fields:
        title = str(fields["title"] or "").strip()
        if not 2 <= len(title) <= 120:
            raise Unprocessable(_("标题应为 2–120 个字。"), details=[{"field": "title"}])
        clean["title"] = title
    if "body" in fields:
        clean["body"] = str(fields["body"] or "").replace("\r\n", "\n").strip()
    if "tables" in fields:
        clean["tables"] = tables_clean(fields["tables"])
    if "case_ref" in fields:
        clean["case_ref"] = str(fields["case_ref"] or "").strip()[:64]
    if "publicity_start" in fields or "publicity_end" in fields:
        clean["publicity_start"], clean["publicity_end"] = _clean_period(
            fields.get("publicity_start"), fields.get("publicity_end")
        )
    return clean


def _check_item(village: Place, item: PowerItem | None) -> None:
    if item is not None and item.village_id is not None and item.village_id != village.pk:
        raise Unprocessable(_("该权力事项不属于本村。"), details=[{"field": "power_item"}])


def _event(post: Post, kind: str, actor: Any, note: str = "") -> PostEvent:
    return PostEvent.objects.create(post=post, kind=kind, actor=actor, revision=post.revision, note=note[:500])


def post_draft(
    *,
    actor: Any,
    village: Place,
    section: str,
    title: str,
    body: str = "",
    tables: Any = None,
    power_item: PowerItem | None = None,
    case_ref: str = "",
    publicity_start: date | None = None,
    publicity_end: date | None = None,
    request: Any = None,
) -> Post:
    """A new draft on the village's board."""
    require(actor, perm.DRAFT, village, request=request)
    if village.level != Level.VILLAGE:
        raise Unprocessable(_("公开栏按村（社区）设置。"), details=[{"field": "village"}])
    clean = _clean_fields(
        {
            "section": section,
            "title": title,
            "body": body,
            "tables": tables,
            "case_ref": case_ref,
            "publicity_start": publicity_start,
            "publicity_end": publicity_end,
        }
    )
    _check_item(village, power_item)
    with transaction.atomic():
        post = Post.objects.create(
            village=village,
            county_code=village.county_code,
            power_item=power_item,
            requires_supervision=rules.item_needs_supervision(power_item),
            drafted_by=actor,
            **clean,
        )
        _event(post, PostEvent.Kind.DRAFTED, actor)
        _audit(actor, "post_draft", post, request, section=post.section, title=post.title)
    return post


def post_update(*, actor: Any, post: Post, revision: int | None = None, request: Any = None, **fields: Any) -> Post:
    """Change a draft. `revision` (the draft revision the editor saw) turns a stale edit into 409."""
    require(actor, perm.DRAFT, post.village, request=request)
    clean = _clean_fields(fields)
    with transaction.atomic():
        post = _locked(post)
        _ensure_editable(post)
        if post.status != PostStatus.DRAFT:
            raise Conflict(_("该内容正在审核，请先退回修改。"), code="post_in_review")
        if revision is not None and revision != post.revision:
            raise Conflict(_("该草稿已被他人修改，请刷新后重试。"), details={"revision": post.revision})
        for name, value in clean.items():
            setattr(post, name, value)
        post.revision += 1
        post.save()
        _event(post, PostEvent.Kind.EDITED, actor)
        _audit(actor, "post_update", post, request, fields=sorted(clean), revision=post.revision)
    return post


def _check_publishable_text(post: Post) -> None:
    findings = personal_data_in(public_texts(title=post.title, body=post.body, tables=post.tables or []))
    if findings:
        raise privacy_error(findings)


def post_submit(*, actor: Any, post: Post, request: Any = None) -> Post:
    """Send a draft for review (supervision signature and approvals)."""
    require(actor, perm.DRAFT, post.village, request=request)
    with transaction.atomic():
        post = _locked(post)
        _ensure_editable(post)
        if post.status != PostStatus.DRAFT:
            raise Conflict(_("该内容已在审核中。"), code="post_in_review")
        _check_publishable_text(post)
        post.status = PostStatus.REVIEW
        post.save(update_fields=["status"])
        _event(post, PostEvent.Kind.SUBMITTED, actor)
        _audit(actor, "post_submit", post, request)
    return post


def _ensure_in_review(post: Post) -> None:
    _ensure_editable(post)
    if post.status != PostStatus.REVIEW:
        raise Conflict(_("请先提交审核。"), details={"status": post.status}, code="post_not_in_review")


def _approve(*, actor: Any, post: Post, kind: str, action: str, note: str, request: Any) -> Post:
    with transaction.atomic():
        post = _locked(post)
        _ensure_in_review(post)
        try:
            with transaction.atomic():
                _event(post, kind, actor, note)
        except IntegrityError:
            raise Conflict(_("您已对这一稿签署过意见。"), code="already_signed") from None
        _audit(actor, action, post, request, revision=post.revision)
    return post


def post_sign(*, actor: Any, post: Post, note: str = "", request: Any = None) -> Post:
    """The supervision committee reviews and signs the draft under review."""
    require(actor, perm.SIGN, post.village, request=request)
    return _approve(actor=actor, post=post, kind=PostEvent.Kind.SIGNED, action="post_sign", note=note, request=request)


def post_approve(*, actor: Any, post: Post, note: str = "", request: Any = None) -> Post:
    """An official approves the draft under review (rosters need two different officials)."""
    require(actor, perm.APPROVE, post.village, request=request)
    return _approve(
        actor=actor, post=post, kind=PostEvent.Kind.APPROVED, action="post_approve", note=note, request=request
    )


def post_return(*, actor: Any, post: Post, note: str, request: Any = None) -> Post:
    """Send a draft under review back for changes (drafters, the supervision committee, approvers)."""
    if not note.strip():
        raise Unprocessable(_("请写明退回的理由。"), details=[{"field": "note"}])
    if not any(can(actor, a, post.village) for a in (perm.DRAFT, perm.SIGN, perm.APPROVE)):
        require(actor, perm.DRAFT, post.village, request=request)
    with transaction.atomic():
        post = _locked(post)
        _ensure_in_review(post)
        post.status = PostStatus.DRAFT
        post.save(update_fields=["status"])
        _event(post, PostEvent.Kind.RETURNED, actor, note)
        _audit(actor, "post_return", post, request, note=note[:200])
    return post


def _signers(post: Post, kind: str) -> list[PostEvent]:
    return list(post.events.filter(kind=kind, revision=post.revision).select_related("actor"))


def _person(user: Any) -> str:
    return str(getattr(user, "full_name", "") or user.get_username())


def _check_workflow(post: Post) -> None:
    signed = _signers(post, PostEvent.Kind.SIGNED)
    if post.requires_supervision and not signed:
        raise Conflict(
            _("该事项须经村务监督委员会审核签字后才能发布：缺少监委会签字。"),
            details={"missing": "supervision_signature"},
            code="signature_missing",
        )
    if any(t.get("roster") for t in post.tables or []):
        approvers = {e.actor_id: e.actor for e in _signers(post, PostEvent.Kind.APPROVED)}
        if len(approvers) < rules.ROSTER_APPROVALS:
            have = "、".join(_person(u) for u in approvers.values()) or _("无")
            raise Conflict(
                _(
                    "补助名单须经两位不同的负责人（村党组织书记、村委会主任或镇、街道干部）审批后才能发布："
                    "还缺 %(n)s 位审批（已审批：%(have)s）。"
                )
                % {"n": rules.ROSTER_APPROVALS - len(approvers), "have": have},
                details={"missing": "approval", "needed": rules.ROSTER_APPROVALS, "approved_by": sorted(approvers)},
                code="approval_missing",
            )
        if post.publicity_end is None:
            raise Unprocessable(_("补助名单须设定公示期，期满自动下线。"), details=[{"field": "publicity_end"}])


def _check_replacement(post: Post) -> None:
    target = post.replaces
    if target is None:
        return
    if target.status != PostStatus.PUBLISHED:
        raise Conflict(_("只能更正或撤回已发布的内容。"), code="target_not_published")
    if target.kind == PostKind.WITHDRAWAL:
        raise Conflict(_("撤回说明不能再更正或撤回。"), code="target_is_withdrawal")
    if Post.objects.filter(replaces=target, status=PostStatus.PUBLISHED).exists():
        raise Conflict(_("该内容已被更正或撤回，请对最新的更正内容操作。"), code="already_replaced")


def _attachment_digests(post: Post) -> list[dict[str, Any]]:
    rows = post.attachments.order_by("uploaded_at", "pk").values("name", "sha256", "size", "content_type")
    return [dict(r) for r in rows]


LEDGER_KIND = "disclosure.post"


def _log_append(post: Post, leaf: bytes) -> None:
    """Append the leaf to the county's transparency log in the caller's transaction; a checkpoint
    covering it is signed once the transaction commits."""
    entry = entry_append(county_code=post.county_code, leaf_input=leaf, kind=LEDGER_KIND, ref=str(post.public_id))
    post.content_sha256 = sha256_hex(leaf)
    post.leaf_index = entry.leaf_index
    post.leaf_hash = entry.leaf_hash
    county_code = post.county_code
    # After commit, and robust: a signing failure is logged, never turned into an error for a post
    # that is already published (the daily signing covers it).
    transaction.on_commit(lambda: checkpoint_sign(county_code=county_code), robust=True)


def _do_publish(*, actor: Any, post: Post, request: Any) -> Post:
    now = timezone.now()
    published_at = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
    leaf = canonical_json(leaf_document(post, attachments=_attachment_digests(post), published_at=published_at))
    post.status = PostStatus.PUBLISHED
    post.published_at = now
    post.published_by = actor
    _log_append(post, leaf)
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        raise Conflict(_("该内容已被更正或撤回，请对最新的更正内容操作。"), code="already_replaced") from None
    _event(post, PostEvent.Kind.PUBLISHED, actor)
    _audit(actor, "post_publish", post, request, kind=post.kind, sha256=post.content_sha256, leaf_index=post.leaf_index)
    return post


def post_publish(*, actor: Any, post: Post, request: Any = None) -> Post:
    """Publish a draft: privacy check, supervision signature, roster approvals, then the log."""
    require(actor, perm.PUBLISH, post.village, request=request)
    with transaction.atomic():
        post = _locked(post)
        _ensure_editable(post)
        _check_replacement(post)
        _check_publishable_text(post)
        if post.requires_supervision and post.status != PostStatus.REVIEW:
            raise Conflict(_("该事项须先提交村务监督委员会审核。"), code="post_not_in_review")
        _check_workflow(post)
        return _do_publish(actor=actor, post=post, request=request)


def post_correct(
    *,
    actor: Any,
    post: Post,
    title: str,
    body: str = "",
    tables: Any = None,
    publicity_start: date | None = None,
    publicity_end: date | None = None,
    request: Any = None,
) -> Post:
    """A draft correction (更正) of a published post; published like any draft, it replaces it."""
    require(actor, perm.DRAFT, post.village, request=request)
    clean = _clean_fields(
        {
            "title": title,
            "body": body,
            "tables": tables,
            "publicity_start": publicity_start,
            "publicity_end": publicity_end,
        }
    )
    with transaction.atomic():
        target = _locked(post)
        _check_replacement(Post(replaces=target))
        correction = Post.objects.create(
            village=target.village,
            county_code=target.county_code,
            section=target.section,
            kind=PostKind.CORRECTION,
            replaces=target,
            power_item=target.power_item,
            case_ref=target.case_ref,
            requires_supervision=target.requires_supervision,
            drafted_by=actor,
            **clean,
        )
        _event(correction, PostEvent.Kind.DRAFTED, actor)
        _audit(actor, "post_correct", correction, request, replaces=str(target.public_id))
    return correction


def post_withdraw(*, actor: Any, post: Post, reason: str, request: Any = None) -> Post:
    """Withdraw (撤回) a published post at once, e.g. a privacy takedown: a new, published post
    says so; the old one's content leaves the public pages, its log entry stays."""
    require(actor, perm.PUBLISH, post.village, request=request)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise Unprocessable(_("请写明撤回的理由。"), details=[{"field": "reason"}])
    _check_free_text("body", reason)
    with transaction.atomic():
        target = _locked(post)
        _check_replacement(Post(replaces=target))
        withdrawal = Post.objects.create(
            village=target.village,
            county_code=target.county_code,
            section=target.section,
            kind=PostKind.WITHDRAWAL,
            replaces=target,
            title=(_("撤回：%(title)s") % {"title": target.title})[:120],
            body=reason,
            drafted_by=actor,
        )
        _event(withdrawal, PostEvent.Kind.DRAFTED, actor)
        withdrawal = Post.objects.select_related("village", "power_item", "replaces").get(pk=withdrawal.pk)
        return _do_publish(actor=actor, post=withdrawal, request=request)


# --- attachments ---------------------------------------------------------------------------------


def attachment_kind(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) judged by the file's first bytes, or None."""
    for magic, content_type, ext in _MAGIC:
        if data.startswith(magic):
            return content_type, ext
    return None


def attachment_add(*, actor: Any, post: Post, name: str, data: bytes, request: Any = None) -> Attachment:
    """Attach a JPEG, PNG or PDF (within max_attachment_bytes) to a draft; its SHA-256 enters the
    log on publishing."""
    require(actor, perm.DRAFT, post.village, request=request)
    if len(data) > max_attachment_bytes():
        raise attachment_too_large(len(data))
    kind = attachment_kind(data)
    if kind is None:
        raise Unprocessable(
            _("附件只能是 JPEG、PNG 图片或 PDF 文件。"), details=[{"field": "file"}], code="bad_file_type"
        )
    content_type, ext = kind
    stem = "".join(ch for ch in (name or "").rsplit(".", 1)[0] if ch.isprintable() and ch not in '/\\"')[:80]
    with transaction.atomic():
        post = _locked(post)
        _ensure_editable(post)
        if post.status != PostStatus.DRAFT:
            raise Conflict(_("该内容正在审核，请先退回修改再上传附件。"), code="post_in_review")
        # Attachments are part of what is signed and approved: a new one starts a new revision.
        post.revision += 1
        post.save(update_fields=["revision"])
        attachment = Attachment.objects.create(
            post=post,
            name=(stem or "attachment") + ext,
            content_type=content_type,
            size=len(data),
            sha256=sha256_hex(data),
            data=data,
            uploaded_by=actor,
        )
        _audit(actor, "attachment_add", post, request, sha256=attachment.sha256, size=attachment.size)
    return attachment


# --- objections ----------------------------------------------------------------------------------


def _in_publicity(post: Post, on: date) -> bool:
    return (
        post.status == PostStatus.PUBLISHED
        and post.publicity_start is not None
        and post.publicity_end is not None
        and post.publicity_start <= on <= post.publicity_end
    )


def objection_raise(*, actor: Any, post: Post, reasons: str, named: bool = False, request: Any = None) -> Objection:
    """A villager of the village objects during the publicity period; the village must answer."""
    require(actor, perm.OBJECT, post.village, request=request)
    reasons = (reasons or "").strip()
    if not 5 <= len(reasons) <= 2000:
        raise Unprocessable(_("异议理由应为 5–2000 个字。"), details=[{"field": "reasons"}])
    _check_free_text("reasons", reasons)
    today = timezone.localdate()
    if not _in_publicity(post, today):
        raise Conflict(_("只能在公示期内提出异议。"), code="not_in_publicity")
    if Post.objects.filter(replaces=post, status=PostStatus.PUBLISHED).exists():
        raise Conflict(_("该内容已被更正或撤回，请对最新内容提出异议。"), code="already_replaced")
    days = rules.objection_answer_days(thresholds_in_force(place=post.village, on=today))
    with transaction.atomic():
        objection = Objection.objects.create(
            post=post,
            village=post.village,
            author=actor,
            named=named,
            reasons=reasons,
            answer_due=today + timedelta(days=days),
        )
        _audit(actor, "objection_raise", post, request, objection=str(objection.public_id), named=named)
    return objection


def objection_answer(*, actor: Any, objection: Objection, text: str, request: Any = None) -> ObjectionAnswer:
    """The village's public answer to an objection (once; never edited)."""
    require(actor, perm.ANSWER, objection.village, request=request)
    text = (text or "").strip()
    if not 2 <= len(text) <= 4000:
        raise Unprocessable(_("答复应为 2–4000 个字。"), details=[{"field": "text"}])
    _check_free_text("text", text)
    with transaction.atomic():
        try:
            with transaction.atomic():
                answer = ObjectionAnswer.objects.create(objection=objection, text=text, answered_by=actor)
        except IntegrityError:
            raise Conflict(_("该异议已经答复。"), code="already_answered") from None
        _audit(actor, "objection_answer", objection.post, request, objection=str(objection.public_id))
    return answer
