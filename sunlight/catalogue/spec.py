"""The catalogue as plain data: what the YAML files say, before and after it reaches the database.

The checker, the loader, the diff and the lawfulness rules all work on these dataclasses, so a
rule is tested once and applies equally to the county's files, a draft version edited through the
services, and a village's local item.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalogue, located by file, item code and (for Excel) row."""

    file: str
    code: str
    message: str
    rule: str = "structure"
    row: int | None = None
    field: str = ""

    def __str__(self) -> str:
        where = self.file + (f" {self.code}" if self.code else "") + (f" 第{self.row}行" if self.row else "")
        return f"{where}：{self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StepSpec:
    """One step of a flow: who acts, in how many working days, with which meeting and publicity."""

    key: str
    name: str
    role: str
    days: int
    materials: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    meeting_kind: str = ""
    vote: bool = False
    publish_section: str = ""
    publish_days: int | None = None
    publish_what: str = ""
    supervision_signs: bool = False
    min_people: int | None = None  # e.g. at least 2 investigators (民发〔2021〕57号)


@dataclass
class TemplateSpec:
    """A named flow template (F1–F5) that items build their flows from."""

    key: str
    name: str
    description: str
    steps: list[StepSpec]


@dataclass
class ItemSpec:
    """A power item (小微权力清单事项) with its flow already built from its template."""

    code: str
    name: str
    category: str
    kind: str
    summary: str
    basis: list[dict[str, str]]
    art24: int | None
    ceol_art26: int | None
    deciding_body: str  # "" = no collective decision
    delegable: bool
    responsible_role: str
    template: str
    adjust: dict[str, Any]
    steps: list[StepSpec]
    risks: list[dict[str, str]]
    publish: list[str]
    roster_fields: list[str] | None = None
    roster_category_label: str = ""  # what the roster's `category` column means (改造方式, 补贴项目)


@dataclass
class ResponsibilitySpec:
    """A responsibility item of one of the three heads (责任清单)."""

    code: str
    role: str
    text: str
    basis: list[dict[str, str]]
    check: str


@dataclass
class ServiceSpec:
    """A service-guide entry (便民服务清单)."""

    code: str
    name: str
    power_item: str
    who: str
    materials: list[str]
    days: int
    where: str
    fee: str
    handler_role: str
    proxy: bool


@dataclass
class CertificateSpec:
    """A certificate the village may issue (allowed) or must not (民发〔2020〕20号, denied)."""

    name: str
    allowed: bool
    basis: dict[str, str] | None = None
    go_to: str = ""


@dataclass
class LawSpec:
    key: str
    name: str
    version: str
    note: str = ""


@dataclass
class CategorySpec:
    key: str
    name: str
    order: int


@dataclass
class CatalogueSpec:
    """Everything one version of the catalogue holds."""

    laws: list[LawSpec] = field(default_factory=list)
    categories: list[CategorySpec] = field(default_factory=list)
    templates: list[TemplateSpec] = field(default_factory=list)
    items: list[ItemSpec] = field(default_factory=list)
    responsibilities: list[ResponsibilitySpec] = field(default_factory=list)
    services: list[ServiceSpec] = field(default_factory=list)
    certificates: list[CertificateSpec] = field(default_factory=list)
    thresholds: dict[str, Any] = field(default_factory=dict)

    def template(self, key: str) -> TemplateSpec | None:
        return next((t for t in self.templates if t.key == key), None)
