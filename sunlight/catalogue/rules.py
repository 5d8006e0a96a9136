"""The lawfulness rules of the catalogue: what no county list, revision or local item may say.

Each rule has a name, one line saying what it protects, and its citations. Citations are data
(CITATIONS below, keyed by rule): the Organic Law was renumbered by the 2025 amendment (in force
2026-01-01), so when the new article numbers are confirmed only that table changes, not the rules.
Article numbers here follow the text named in LAWS.

A rule reads a CatalogueSpec (spec.py) and yields Problems; `catalogue_check` runs them on the
county's files, `version_publish` on a draft, `local_item_propose` on a village's item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .spec import CatalogueSpec, ItemSpec, Problem, StepSpec
from .vocab import (
    DECIDING_BODIES,
    FLOW_ROLES,
    ITEM_KINDS,
    MEETING_KINDS,
    RESPONSIBLE_HEADS,
    SECTIONS,
    DecidingBody,
    RosterField,
)

# The files of data/catalogue/ that problems point at.
F_LAWS, F_CATEGORIES, F_TEMPLATES = "laws.yaml", "categories.yaml", "templates.yaml"
F_ITEMS, F_RESPONSIBILITIES, F_SERVICES = "power_items.yaml", "responsibilities.yaml", "service_guide.yaml"
F_CERTIFICATES, F_THRESHOLDS = "certificates.yaml", "thresholds.yaml"


@dataclass(frozen=True)
class Law:
    name: str
    version: str  # the text whose article numbers are cited


LAWS: dict[str, Law] = {
    "vcol": Law("中华人民共和国村民委员会组织法", "2018"),
    "ceol": Law("中华人民共和国农村集体经济组织法", "2024"),
    "pipl": Law("中华人民共和国个人信息保护法", "2021"),
}


@dataclass(frozen=True)
class Citation:
    """An article of a law in LAWS, or a document cited by name."""

    law: str = ""
    article: str = ""
    item: str = ""
    text: str = ""

    def __str__(self) -> str:
        if self.text:
            return self.text
        law = LAWS[self.law]
        item = f"第（{self.item}）项" if self.item else ""
        return f"《{law.name}》（{law.version}年文本）第{self.article}条{item}"


_CONDITIONS = "中国共产党农村基层组织工作条例（2019）“四议两公开”"
CITATIONS: dict[str, tuple[Citation, ...]] = {
    "art24_full_flow": (Citation("vcol", "24"), Citation(text=_CONDITIONS)),
    "member_bodies_for_collective_matters": (Citation("vcol", "24"), Citation("ceol", "26")),
    "member_reps_reserved_matters": (Citation("ceol", "28"), Citation("ceol", "26")),
    "charter_villagers_only": (Citation("vcol", "27"), Citation("vcol", "24")),
    "f1_statutory_steps": (Citation(text=_CONDITIONS), Citation("vcol", "24")),
    "publicity_days_positive": (Citation("vcol", "30"),),
    "time_limits_not_negative": (Citation(text="清单“一个流程”：每一步都有办理时限（工作日）"),),
    "roster_fields_allowed": (
        Citation(text="民发〔2021〕57号《最低生活保障审核确认办法》第二十四条"),
        Citation("pipl", "25"),
        Citation("pipl", "28"),
    ),
    "unique_codes": (),
    "known_roles": (),
    "known_meeting_kinds": (),
    "known_sections": (),
    "known_references": (),
}

# 四议两公开: the seven steps of the full flow F1, in order. No item may drop or reorder them.
FULL_FLOW_TEMPLATE = "F1"
F1_STATUTORY_STEPS: dict[str, str] = {
    "propose": "村党组织提议",
    "discuss": "村两委会议商议",
    "review": "党员大会审议",
    "resolve": "村民会议或村民代表会议决议",
    "resolution_publicity": "决议公开",
    "implement": "组织实施",
    "result_publicity": "实施结果公开",
}
F1_RESOLUTION_STEP = "resolve"

# Deciding bodies of an Art. 24 matter: the villagers or their representatives; for a matter of the
# collective economic organisation (VCOL Art. 24 last paragraph), its members or their representatives.
VILLAGE_BODIES = frozenset({DecidingBody.VILLAGERS, DecidingBody.REPRESENTATIVES})
MEMBER_BODIES = frozenset({DecidingBody.MEMBERS, DecidingBody.MEMBER_REPS})
# CEOL Art. 28: the member representatives' assembly may not decide Art. 26 items (1), (3), (8), (10), (12).
MEMBER_REPS_RESERVED = frozenset({1, 3, 8, 10, 12})
ART24_MATTERS = range(1, 10)
CEOL_ART26_POWERS = range(1, 14)
# The self-governance charter and village rules: made by the villagers' meeting itself.
CHARTER_WORDS = ("自治章程", "村规民约")
CHARTER_CITATION = ("vcol", "27")
# Subsidy publicity may show only these (the rest are personal or sensitive information).
PUBLISHABLE_ROSTER_FIELDS = frozenset(
    {
        RosterField.NAME,
        RosterField.HOUSEHOLD_SIZE,
        RosterField.AMOUNT,
        RosterField.CATEGORY,
        RosterField.PERIOD,
        RosterField.GROUP,
    }
)

Check = Callable[[CatalogueSpec], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """A named lawfulness rule and its check."""

    key: str
    title: str
    check: Check

    @property
    def citations(self) -> tuple[Citation, ...]:
        return CITATIONS.get(self.key, ())

    def basis(self) -> str:
        return "；".join(str(c) for c in self.citations)


RULES: list[Rule] = []


def _rule(key: str, title: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if key not in CITATIONS:
            raise KeyError(f"rule {key!r} has no entry in CITATIONS")
        RULES.append(Rule(key, title, check))
        return check

    return register


def check_catalogue(spec: CatalogueSpec) -> list[Problem]:
    """Every problem every rule finds, each message ending with the rule's legal basis."""
    problems: list[Problem] = []
    for rule in RULES:
        basis = rule.basis()
        for p in rule.check(spec):
            message = f"{p.message}（依据：{basis}）" if basis else p.message
            problems.append(Problem(p.file, p.code, message, rule.key, p.row, p.field))
    return problems


def _flows(spec: CatalogueSpec) -> Iterator[tuple[str, str, list[StepSpec]]]:
    """(file, code, steps) of every template and every item."""
    for t in spec.templates:
        yield F_TEMPLATES, t.key, t.steps
    for item in spec.items:
        yield F_ITEMS, item.code, item.steps


def _duplicates(values: Iterable[str]) -> list[str]:
    return [v for v, n in Counter(values).items() if n > 1]


@_rule("unique_codes", "编号不得重复")
def _unique_codes(spec: CatalogueSpec) -> Iterator[Problem]:
    lists: list[tuple[str, list[str]]] = [
        (F_LAWS, [x.key for x in spec.laws]),
        (F_CATEGORIES, [x.key for x in spec.categories]),
        (F_TEMPLATES, [x.key for x in spec.templates]),
        (F_ITEMS, [x.code for x in spec.items]),
        (F_RESPONSIBILITIES, [x.code for x in spec.responsibilities]),
        (F_SERVICES, [x.code for x in spec.services]),
        (F_CERTIFICATES, [x.name for x in spec.certificates]),
    ]
    for file, codes in lists:
        for code in _duplicates(codes):
            yield Problem(file, code, f"编号 {code} 重复出现")
    for file, code, steps in _flows(spec):
        for key in _duplicates(s.key for s in steps):
            yield Problem(file, code, f"流程中步骤 {key} 重复出现", field="flow")


@_rule("known_roles", "角色必须是已知角色")
def _known_roles(spec: CatalogueSpec) -> Iterator[Problem]:
    for file, code, steps in _flows(spec):
        for s in steps:
            if s.role not in FLOW_ROLES:
                yield Problem(file, code, f"步骤 {s.key} 的角色 {s.role} 不是已知角色", field="role")
    for item in spec.items:
        if item.responsible_role not in FLOW_ROLES:
            yield Problem(
                F_ITEMS, item.code, f"责任角色 {item.responsible_role} 不是已知角色", field="responsible_role"
            )
    for r in spec.responsibilities:
        if r.role not in RESPONSIBLE_HEADS:
            yield Problem(F_RESPONSIBILITIES, r.code, f"角色 {r.role} 应为书记、主任或监委会主任之一", field="role")
    for svc in spec.services:
        if svc.handler_role not in FLOW_ROLES:
            yield Problem(F_SERVICES, svc.code, f"经办角色 {svc.handler_role} 不是已知角色", field="handler_role")


@_rule("known_meeting_kinds", "会议类型和决策主体必须是已知的")
def _known_meeting_kinds(spec: CatalogueSpec) -> Iterator[Problem]:
    for file, code, steps in _flows(spec):
        for s in steps:
            if s.meeting_kind and s.meeting_kind not in MEETING_KINDS:
                yield Problem(file, code, f"步骤 {s.key} 的会议类型 {s.meeting_kind} 不是已知类型", field="meeting")
    for item in spec.items:
        if item.deciding_body and item.deciding_body not in DECIDING_BODIES:
            yield Problem(F_ITEMS, item.code, f"决策主体 {item.deciding_body} 不是已知类型", field="deciding_body")


@_rule("known_sections", "公开栏目必须是党务、村务、财务或事务")
def _known_sections(spec: CatalogueSpec) -> Iterator[Problem]:
    for file, code, steps in _flows(spec):
        for s in steps:
            if s.publish_section and s.publish_section not in SECTIONS:
                yield Problem(file, code, f"步骤 {s.key} 的公开栏目 {s.publish_section} 不是已知栏目", field="publish")


def _law_keys(basis: Iterable[dict[str, str]]) -> Iterator[str]:
    for c in basis:
        if "law" in c:
            yield str(c["law"])


@_rule("known_references", "分类、模板、法律和事项引用必须存在")
def _known_references(spec: CatalogueSpec) -> Iterator[Problem]:
    categories, laws = {c.key for c in spec.categories}, {law.key for law in spec.laws}
    codes = {i.code for i in spec.items}
    for item in spec.items:
        if item.category not in categories:
            yield Problem(F_ITEMS, item.code, f"分类 {item.category} 未在 {F_CATEGORIES} 中定义", field="category")
        if spec.template(item.template) is None:
            yield Problem(F_ITEMS, item.code, f"流程模板 {item.template} 不存在", field="flow.template")
        if item.kind not in ITEM_KINDS:
            yield Problem(F_ITEMS, item.code, f"事项类别 {item.kind} 应为 major 或 daily", field="kind")
        if item.art24 is not None and item.art24 not in ART24_MATTERS:
            yield Problem(F_ITEMS, item.code, "art24 应为 1 到 9", field="art24")
        if item.ceol_art26 is not None and item.ceol_art26 not in CEOL_ART26_POWERS:
            yield Problem(F_ITEMS, item.code, "ceol_art26 应为 1 到 13", field="ceol_art26")
        for key in _law_keys(item.basis):
            if key not in laws:
                yield Problem(F_ITEMS, item.code, f"引用的法律 {key} 未在 {F_LAWS} 中定义", field="basis")
    for r in spec.responsibilities:
        for key in _law_keys(r.basis):
            if key not in laws:
                yield Problem(F_RESPONSIBILITIES, r.code, f"引用的法律 {key} 未在 {F_LAWS} 中定义", field="basis")
    for s in spec.services:
        if s.power_item and s.power_item not in codes:
            yield Problem(F_SERVICES, s.code, f"对应的权力事项 {s.power_item} 不存在", field="power_item")


@_rule("time_limits_not_negative", "办理时限不得为负数")
def _time_limits(spec: CatalogueSpec) -> Iterator[Problem]:
    for file, code, steps in _flows(spec):
        for s in steps:
            if s.days < 0:
                yield Problem(file, code, f"步骤 {s.key} 的时限为 {s.days} 个工作日，不得为负数", field="days")
    for svc in spec.services:
        if svc.days < 0:
            yield Problem(F_SERVICES, svc.code, f"办理时限为 {svc.days} 个工作日，不得为负数", field="days")


@_rule("publicity_days_positive", "有公示期的公开至少公示 1 天")
def _publicity_days(spec: CatalogueSpec) -> Iterator[Problem]:
    for file, code, steps in _flows(spec):
        for s in steps:
            if s.publish_section and (s.publish_days is None or s.publish_days < 1):
                yield Problem(file, code, f"步骤 {s.key} 的公示天数为 {s.publish_days}，至少应为 1 天", field="publish")


def _statutory_problems(file: str, code: str, steps: list[StepSpec], template: bool) -> Iterator[Problem]:
    keys = [s.key for s in steps if s.key in F1_STATUTORY_STEPS]
    missing = [f"{k}（{name}）" for k, name in F1_STATUTORY_STEPS.items() if k not in keys]
    if missing:
        yield Problem(file, code, f"“四议两公开”流程缺少法定步骤：{'、'.join(missing)}", field="flow")
    elif keys != list(F1_STATUTORY_STEPS):
        yield Problem(file, code, "“四议两公开”的法定步骤顺序不得改变", field="flow")
    for s in steps:
        if s.key in F1_STATUTORY_STEPS and not s.supervision_signs:
            yield Problem(file, code, f"法定步骤 {s.key} 须由村务监督委员会签字（supervision_signs）", field="flow")
    resolve = next((s for s in steps if s.key == F1_RESOLUTION_STEP), None)
    if resolve is not None and not template and not (resolve.meeting_kind and resolve.vote):
        yield Problem(file, code, "决议步骤须召开会议并表决", field="flow")


@_rule("f1_statutory_steps", "“四议两公开”七个法定步骤不得删减、调换，监委会逐步签字")
def _f1_statutory_steps(spec: CatalogueSpec) -> Iterator[Problem]:
    full = spec.template(FULL_FLOW_TEMPLATE)
    if full is None:
        yield Problem(F_TEMPLATES, FULL_FLOW_TEMPLATE, "缺少“四议两公开”全流程模板 F1", field="key")
    else:
        yield from _statutory_problems(F_TEMPLATES, full.key, full.steps, template=True)
    for item in spec.items:
        if item.template == FULL_FLOW_TEMPLATE:
            yield from _statutory_problems(F_ITEMS, item.code, item.steps, template=False)


def _allowed_bodies(item: ItemSpec) -> frozenset[str]:
    return VILLAGE_BODIES | MEMBER_BODIES if item.ceol_art26 is not None else VILLAGE_BODIES


@_rule("art24_full_flow", "组织法第二十四条事项须经村民会议（或授权的代表会议）决定，走“四议两公开”全流程")
def _art24_full_flow(spec: CatalogueSpec) -> Iterator[Problem]:
    for item in spec.items:
        if item.art24 is None:
            continue
        if item.template != FULL_FLOW_TEMPLATE:
            yield Problem(F_ITEMS, item.code, f"第二十四条第（{item.art24}）项事项须使用 F1 全流程", field="flow")
        if item.deciding_body not in _allowed_bodies(item):
            body = item.deciding_body or "无"
            yield Problem(
                F_ITEMS,
                item.code,
                f"第二十四条事项的决策主体为 {body}，应为村民会议或村民代表会议"
                + ("（集体经济组织事项可为成员大会或成员代表大会）" if item.ceol_art26 else ""),
                field="deciding_body",
            )
        if item.kind != "major":
            yield Problem(F_ITEMS, item.code, "第二十四条事项属于重大事项，kind 应为 major", field="kind")


@_rule("member_bodies_for_collective_matters", "成员（代表）大会只决定集体经济组织的事项")
def _member_bodies(spec: CatalogueSpec) -> Iterator[Problem]:
    for item in spec.items:
        if item.deciding_body in MEMBER_BODIES and item.ceol_art26 is None:
            yield Problem(
                F_ITEMS,
                item.code,
                "决策主体为集体经济组织成员（代表）大会，但未注明对应的集体经济组织法第二十六条职权（ceol_art26）",
                field="ceol_art26",
            )


@_rule("member_reps_reserved_matters", "成员代表大会不得决定章程、成员确认、承包宅基地、征地补偿分配、合并分立")
def _member_reps_reserved(spec: CatalogueSpec) -> Iterator[Problem]:
    for item in spec.items:
        if item.ceol_art26 not in MEMBER_REPS_RESERVED:
            continue
        if item.deciding_body == DecidingBody.MEMBER_REPS:
            yield Problem(
                F_ITEMS,
                item.code,
                f"集体经济组织法第二十六条第（{item.ceol_art26}）项职权只能由成员大会行使，成员代表大会不得决定",
                field="deciding_body",
            )
        elif item.deciding_body == DecidingBody.MEMBERS and item.delegable:
            yield Problem(
                F_ITEMS,
                item.code,
                f"集体经济组织法第二十六条第（{item.ceol_art26}）项职权不得交由成员代表大会（delegable 应为 false）",
                field="delegable",
            )


def is_charter_item(item: ItemSpec) -> bool:
    """The self-governance charter or village rules: named so, or citing VCOL Art. 27."""
    cites = any(
        c.get("law") == CHARTER_CITATION[0] and str(c.get("article")) == CHARTER_CITATION[1] for c in item.basis
    )
    return cites or any(word in item.name for word in CHARTER_WORDS)


@_rule("charter_villagers_only", "村民自治章程、村规民约只能由村民会议制定修改，不得授权")
def _charter(spec: CatalogueSpec) -> Iterator[Problem]:
    for item in spec.items:
        if not is_charter_item(item):
            continue
        if item.deciding_body != DecidingBody.VILLAGERS:
            yield Problem(F_ITEMS, item.code, "章程、村规民约须由村民会议决定", field="deciding_body")
        if item.delegable:
            yield Problem(
                F_ITEMS, item.code, "章程、村规民约不得授权村民代表会议决定（delegable 应为 false）", field="delegable"
            )


@_rule("roster_fields_allowed", "补贴名单公示只能显示姓名、家庭人口、金额、类别、期间、村民小组")
def _roster_fields(spec: CatalogueSpec) -> Iterator[Problem]:
    for item in spec.items:
        banned = [f for f in item.roster_fields or [] if f not in PUBLISHABLE_ROSTER_FIELDS]
        if banned:
            yield Problem(F_ITEMS, item.code, f"名单公示不得包含：{'、'.join(banned)}", field="roster.fields")
        if RosterField.CATEGORY in (item.roster_fields or []) and not item.roster_category_label:
            # Without a stated meaning the column drifts into statuses such as 低保户 or a disability.
            yield Problem(F_ITEMS, item.code, "名单公示含“类别”时须写明其含义（roster.category_label）", field="roster")
