"""Reads of the board. Public pages and the public API read only through `published_*`; staff
reads go through `post_for_staff`, which checks the person may see the village's drafts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.accounts.permissions import can, require, scope_codes, scope_filter
from sunlight.catalogue.selectors import threshold_values
from sunlight.lib.errors import NotFound
from sunlight.places.models import Place
from sunlight.places.selectors import villages_under

from . import permissions as perm
from . import rules, schedule
from .content import body_html, public_tables, staff_tables
from .models import Attachment, Objection, Post, PostEvent, PostKind, PostStatus

BOARD_PAGE = 50


def _replacement(field_name: str) -> Subquery:
    later = Post.objects.filter(replaces=OuterRef("pk"), status=PostStatus.PUBLISHED)
    return Subquery(later.values(field_name)[:1])


# Unanswered objections of each post, as a subquery (no GROUP BY over the posts' columns).
_open_count = (
    Objection.objects.filter(post=OuterRef("pk"), answer__isnull=True)
    .order_by()
    .values("post")
    .annotate(n=Count("pk"))
    .values("n")[:1]
)


def _with_links(qs: QuerySet[Post]) -> QuerySet[Post]:
    """Each post with what replaced it (computed from the links, never stored on it)."""
    return qs.select_related("village", "village__parent", "replaces", "power_item").annotate(
        replaced_by_id=_replacement("public_id"),
        replaced_kind=_replacement("kind"),
        open_objections=Coalesce(Subquery(_open_count), 0),
    )


def published_posts(
    *, village: Any = None, county_code: str = "", section: str = "", year: int | None = None
) -> QuerySet[Post]:
    """Published posts, newest first, with their replacement links."""
    qs = Post.objects.filter(status=PostStatus.PUBLISHED)
    if village is not None:
        qs = qs.filter(village=village)
    if county_code:
        qs = qs.filter(county_code=county_code)
    if section:
        qs = qs.filter(section=section)
    if year:
        qs = qs.filter(published_at__year=year)
    return _with_links(qs).order_by("-published_at", "-pk")


def board_years(*, village: Any) -> list[int]:
    """The years in which the village published something, newest first."""
    published = Post.objects.filter(village=village, status=PostStatus.PUBLISHED)
    # datetimes(), not dates(): the year in Asia/Shanghai, not in UTC.
    return [d.year for d in published.datetimes("published_at", "year", order="DESC")]


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("找不到该公开内容。", details={"id": str(value)}) from None


def published_post(*, public_id: Any, village_code: str = "") -> Post:
    """One published post by its public id (and village, when the address names one)."""
    qs = published_posts().filter(public_id=_uuid(public_id))
    if village_code:
        qs = qs.filter(village__code=village_code)
    post = qs.first()
    if post is None:
        raise NotFound("找不到该公开内容。", details={"id": str(public_id)})
    return post


def post_for_staff(*, user: Any, public_id: Any, request: Any = None) -> Post:
    """A post in any state, for a person who may see the village's board work (else 403/404)."""
    post = _with_links(Post.objects.filter(public_id=_uuid(public_id))).first()
    if post is None:
        raise NotFound("找不到该公开内容。", details={"id": str(public_id)})
    require(user, perm.VIEW, post.village, request=request)
    return post


def post_with_links(*, pk: int) -> Post:
    """A post (any state) re-read with its replacement links, after a write."""
    return _with_links(Post.objects.filter(pk=pk)).get()


def drafts_of(*, village: Any) -> QuerySet[Post]:
    """The village's drafts and posts under review, newest first (staff)."""
    return (
        Post.objects.filter(village=village)
        .exclude(status=PostStatus.PUBLISHED)
        .select_related("replaces")
        .order_by("-created_at")
    )


def post_events(*, post: Post) -> QuerySet[PostEvent]:
    return post.events.select_related("actor").order_by("at", "pk")


def publish_wait(*, post: Post, events: list[PostEvent]) -> str:
    """What a draft still waits for before it can be published ("" when nothing), for the staff
    page to say so instead of offering a button that would only be refused. The services decide."""
    current = [e for e in events if e.revision == post.revision]
    roster = rules.has_roster(post.tables or [])
    if post.status == PostStatus.DRAFT and post.requires_supervision:
        return _("须先提交审核，村务监督委员会签字后才能发布。")
    if post.status == PostStatus.DRAFT and roster:
        return _("补助名单须先提交审核，两位负责人审批后才能发布。")
    if post.status != PostStatus.REVIEW:
        return ""
    if post.requires_supervision and not any(e.kind == PostEvent.Kind.SIGNED for e in current):
        return _("等待村务监督委员会签字后才能发布。")
    approvers = {e.actor_id for e in current if e.kind == PostEvent.Kind.APPROVED}
    if roster and len(approvers) < rules.ROSTER_APPROVALS:
        missing = rules.ROSTER_APPROVALS - len(approvers)
        return _("补助名单还须 %(n)s 位负责人审批后才能发布。") % {"n": missing}
    return ""


def attachments_of(*, post: Post) -> QuerySet[Attachment]:
    return post.attachments.defer("data").order_by("uploaded_at", "pk")


def attachment_for(*, user: Any, public_id: Any) -> Attachment:
    """An attachment: anyone may fetch one of a published, not withdrawn post; staff any of theirs."""
    att = Attachment.objects.select_related("post", "post__village").filter(public_id=_uuid(public_id)).first()
    if att is None:
        raise NotFound("找不到该附件。")
    post = att.post
    withdrawn = Post.objects.filter(replaces=post, kind=PostKind.WITHDRAWAL, status=PostStatus.PUBLISHED).exists()
    if post.status == PostStatus.PUBLISHED and not withdrawn:
        return att
    if can(user, perm.VIEW, post.village):
        return att
    raise NotFound("找不到该附件。")


# --- objections ----------------------------------------------------------------------------------


def unanswered_objections(post: Post) -> QuerySet[Objection]:
    """Objections to `post` the village has not answered yet (for the cases app)."""
    return post.objections.filter(answer__isnull=True).order_by("created_at", "pk")


def publicity_passed(post: Post, on: date | None = None) -> bool:
    """The post's publicity period is over on `on` with no objection left unanswered."""
    day = on or timezone.localdate()
    if post.status != PostStatus.PUBLISHED or post.publicity_end is None or day <= post.publicity_end:
        return False
    return not unanswered_objections(post).exists()


def public_objections(*, post: Post) -> QuerySet[Objection]:
    return post.objections.select_related("answer", "author").order_by("created_at", "pk")


def overdue_objections(*, user: Any, on: date | None = None) -> QuerySet[Objection]:
    """Unanswered objections past their due date within the places the person oversees."""
    codes = scope_codes(user, perm.VIEW)
    if not codes:
        return Objection.objects.none()
    within = Q()
    for code in codes:
        within |= Q(village__code__startswith=code)
    day = on or timezone.localdate()
    return (
        Objection.objects.filter(within, answer__isnull=True, answer_due__lt=day)
        .select_related("post", "village")
        .order_by("answer_due", "pk")
    )


def open_objections_for(*, village: Any) -> QuerySet[Objection]:
    """The village's unanswered objections (staff), oldest first."""
    return (
        Objection.objects.filter(village=village, answer__isnull=True)
        .select_related("post")
        .order_by("answer_due", "pk")
    )


# --- what a reader sees --------------------------------------------------------------------------


@dataclass
class PostView:
    """A post as one reader may see it: masked tables, withdrawn content hidden, ended rosters counted."""

    post: Post
    state: str  # current / corrected / withdrawn
    body: Any
    tables: list[dict[str, Any]] = field(default_factory=list)
    roster_ended: bool = False
    roster_counts: list[dict[str, Any]] = field(default_factory=list)
    in_publicity: bool = False


def post_state(post: Post) -> str:
    kind = getattr(post, "replaced_kind", None)
    if kind == PostKind.WITHDRAWAL:
        return "withdrawn"
    if kind == PostKind.CORRECTION:
        return "corrected"
    return "current"


def post_view(post: Post, *, staff: bool = False, on: date | None = None) -> PostView:
    """What to show of `post`. Staff see the full masked roster; the public only what the rules allow."""
    day = on or timezone.localdate()
    state = post_state(post)
    in_publicity = bool(
        post.publicity_start and post.publicity_end and post.publicity_start <= day <= post.publicity_end
    )
    view = PostView(post=post, state=state, body=body_html(post.body), in_publicity=in_publicity and state == "current")
    if state == "withdrawn" and not staff:
        view.body = body_html("")
        return view
    tables = staff_tables(post) if staff else public_tables(post)
    ended = bool(post.publicity_end and day > post.publicity_end)
    for table in tables:
        if table["roster"] and ended and not staff:
            view.roster_ended = True
            view.roster_counts.append({"title": table["title"], "rows": len(table["rows"])})
        else:
            view.tables.append(table)
    return view


# --- disclosure schedule (schedule.py) -----------------------------------------------------------


@dataclass
class VillageSchedule:
    """A village's due disclosures on one day."""

    village: Place
    on: date
    items: list[schedule.DueItem]
    start: date | None = None  # go-live: periods that ended before it are not asked for

    @property
    def overdue(self) -> list[schedule.DueItem]:
        return [i for i in self.items if i.overdue]


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _schedule_settings(villages: list[Place], on: date) -> dict[str, dict[str, Any]]:
    """Each village's `disclosure_schedule` (county value, township on top), in one query."""
    codes = sorted({v.code[:6] for v in villages} | {v.code[:9] for v in villages})
    values = threshold_values(key=schedule.SCHEDULE_KEY, place_codes=codes, on=on)
    return {v.code: schedule.settings_of(values.get(v.code[:6]), values.get(v.code[:9])) for v in villages}


def _schedule_facts(
    villages: list[Place], on: date
) -> tuple[dict[int, list[schedule.PublishedFact]], dict[int, list[schedule.ImmediateFact]]]:
    """Published posts and major-matter posts of the villages since the lookback, in one query."""
    since, until = _local_midnight(schedule.lookback_start(on)), _local_midnight(on + timedelta(days=1))
    withdrawn = Post.objects.filter(replaces=OuterRef("pk"), kind=PostKind.WITHDRAWAL, status=PostStatus.PUBLISHED)
    published = Q(status=PostStatus.PUBLISHED, published_at__gte=since, published_at__lt=until)
    immediate = Q(kind=PostKind.NOTICE, power_item__kind__in=schedule.IMMEDIATE_ITEM_KINDS, created_at__gte=since)
    rows = (
        Post.objects.filter(published | immediate, village__in=villages)
        .exclude(kind=PostKind.WITHDRAWAL)
        .annotate(withdrawn=Exists(withdrawn))
        .values_list(
            "village_id",
            "section",
            "kind",
            "status",
            "published_at",
            "created_at",
            "public_id",
            "power_item__kind",
            "power_item__name",
            "withdrawn",
        )
        .order_by()
    )
    posts: dict[int, list[schedule.PublishedFact]] = {v.pk: [] for v in villages}
    majors: dict[int, list[schedule.ImmediateFact]] = {v.pk: [] for v in villages}
    for village_id, section, kind, status, at, created, public_id, item_kind, item_name, gone in rows:
        if gone:
            continue
        day = timezone.localdate(at) if status == PostStatus.PUBLISHED and at else None
        if day is not None and at is not None and since <= at < until:
            posts[village_id].append(schedule.PublishedFact(section, day, public_id))
        if kind == PostKind.NOTICE and item_kind in schedule.IMMEDIATE_ITEM_KINDS and created >= since:
            fact = schedule.ImmediateFact(
                item_name, section, timezone.localdate(created), day, public_id if day else None
            )
            majors[village_id].append(fact)
    return posts, majors


def schedules_of(*, villages: list[Place], on: date) -> list[VillageSchedule]:
    """The schedules of many villages in two queries (settings, posts), whatever their number."""
    if not villages:
        return []
    settings_by_code = _schedule_settings(villages, on)
    posts, majors = _schedule_facts(villages, on)
    return [
        VillageSchedule(
            village=v,
            on=on,
            items=schedule.village_due_items(
                settings=settings_by_code[v.code], on=on, posts=posts[v.pk], immediate=majors[v.pk]
            ),
            start=settings_by_code[v.code]["start_date"],
        )
        for v in villages
    ]


def village_schedule(*, village: Place, on: date | None = None) -> VillageSchedule:
    """One village's due disclosures on `on` (public: drafts show only as their list item's name)."""
    return schedules_of(villages=[village], on=on or timezone.localdate())[0]


def schedules_under(*, codes: list[str], on: date | None = None) -> list[VillageSchedule]:
    """Schedules of every village within the places `codes` (a township or county), three queries."""
    return schedules_of(villages=list(villages_under(codes=codes)), on=on or timezone.localdate())


def schedules_for_user(*, user: Any, on: date | None = None) -> list[VillageSchedule]:
    """Schedules of the villages a person oversees (village cadres: their own), deny by default."""
    codes = scope_codes(user, perm.VIEW)
    return schedules_under(codes=codes, on=on) if codes else []


def posts_to_sign(*, user: Any, limit: int = 50) -> list[Post]:
    """Drafts under review that wait for the supervision committee, in the person's villages,
    which this person has not signed in their current revision (the workbench to-do)."""
    within = scope_filter(user, perm.SIGN, "village__code")
    if within is None:
        return []
    signed = PostEvent.objects.filter(
        post=OuterRef("pk"), actor=user, kind=PostEvent.Kind.SIGNED, revision=OuterRef("revision")
    )
    return list(
        Post.objects.filter(within, status=PostStatus.REVIEW, requires_supervision=True)
        .exclude(Exists(signed))
        .select_related("village")
        .order_by("created_at", "pk")[:limit]
    )


def objections_to_answer(*, user: Any, limit: int = 50) -> list[Objection]:
    """Unanswered objections in the villages where this person answers them, soonest due first."""
    within = scope_filter(user, perm.ANSWER, "village__code")
    if within is None:
        return []
    return list(
        Objection.objects.filter(within, answer__isnull=True)
        .select_related("post", "village")
        .order_by("answer_due", "pk")[:limit]
    )
