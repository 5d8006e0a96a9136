"""The county's lists as an Excel workbook a clerk edits in WPS or Excel, and back.

Pure functions: a CatalogueSpec in, workbook bytes out (`workbook_export`); workbook bytes and
the draft's laws, categories and templates in, a CatalogueSpec and every problem found out
(`workbook_read`), each problem located by sheet and row. Cells show Chinese labels (村党组织书记,
村两委联席会议); the reader takes a label or its key. Lawfulness is rules.py, run here too so the
clerk sees every problem of the workbook at once, on the row it comes from.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sunlight.lib.errors import DomainError, Unprocessable

from . import rules as r
from .flows import flow_build, flow_compact
from .rules import check_catalogue
from .spec import CatalogueSpec, CertificateSpec, ItemSpec, Problem, ResponsibilitySpec, ServiceSpec, StepSpec
from .vocab import FLOW_ROLES, DecidingBody, ItemKind, MeetingKind, ResponsibleHead, RosterField, Section

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows a drop-down covers below the header: far more than any county list holds.
VALIDATION_ROWS = 2000

S_HELP, S_ITEMS, S_STEPS, S_RISKS = "说明", "权力事项", "流程步骤", "风险点"
S_RESPONSIBILITIES, S_SERVICES, S_CERTIFICATES = "责任清单", "便民服务", "证明事项"
DATA_SHEETS = (S_ITEMS, S_STEPS, S_RISKS, S_RESPONSIBILITIES, S_SERVICES, S_CERTIFICATES)
YES, NO = "是", "否"
ALLOWED, DENIED = "可以出具", "不得出具"
_CITATION = re.compile(r"^(?P<law>[a-z][a-z0-9_]*) 第(?P<article>[^条\s]+)条(?:第(?P<item>[^项\s]+)项)?$")
_STEP_IN_MESSAGE = re.compile(r"步骤 (\S+) ")


class UploadTooLarge(DomainError):
    """An upload over the size limit (413)."""

    status = 413
    code = "upload_too_large"


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its Chinese header, the spec field it holds, its width and drop-down."""

    header: str
    key: str
    width: int = 14
    choices: str = ""  # a vocabulary name (VOCABULARIES) for a drop-down
    required: bool = False


ITEM_COLUMNS = (
    Column("编号", "code", 9, required=True),
    Column("名称", "name", 26, required=True),
    Column("分类", "category", 14, "categories", required=True),
    Column("事项类别", "kind", 10, "kinds", required=True),
    Column("简要说明", "summary", 40),
    Column("法律政策依据", "basis", 30),
    Column("组织法第二十四条事项", "art24", 12),
    Column("集体经济组织法第二十六条职权", "ceol_art26", 14),
    Column("决策主体", "deciding_body", 18, "bodies"),
    Column("可授权代表会议", "delegable", 10, "yesno"),
    Column("责任角色", "responsible_role", 16, "roles", required=True),
    Column("流程模板", "template", 9, "templates", required=True),
    Column("公开内容", "publish", 30),
    Column("名单公示字段", "roster_fields", 24),
    Column("名单“类别”的含义", "roster_category_label", 14),
)
STEP_COLUMNS = (
    Column("事项编号", "item", 9, required=True),
    Column("序号", "position", 6, required=True),
    Column("步骤键", "key", 18, required=True),
    Column("步骤名称", "name", 22, required=True),
    Column("办理角色", "role", 16, "roles", required=True),
    Column("时限（工作日）", "days", 10, required=True),
    Column("所需材料", "materials", 28),
    Column("形成材料", "outputs", 28),
    Column("会议类型", "meeting_kind", 18, "meetings"),
    Column("表决", "vote", 7, "yesno"),
    Column("公开栏目", "publish_section", 10, "sections"),
    Column("公示天数", "publish_days", 9),
    Column("公开内容", "publish_what", 22),
    Column("监委会签字", "supervision_signs", 10, "yesno"),
    Column("最少在场人数", "min_people", 10),
)
RISK_COLUMNS = (
    Column("事项编号", "item", 9, required=True),
    Column("风险点", "point", 36, required=True),
    Column("防控措施", "control", 40),
    Column("风险规则", "rule", 10),
)
RESPONSIBILITY_COLUMNS = (
    Column("编号", "code", 9, required=True),
    Column("责任人", "role", 18, "heads", required=True),
    Column("责任内容", "text", 46, required=True),
    Column("依据", "basis", 30),
    Column("检查方式", "check", 30, required=True),
)
SERVICE_COLUMNS = (
    Column("编号", "code", 9, required=True),
    Column("名称", "name", 24, required=True),
    Column("对应权力事项", "power_item", 12),
    Column("办理对象", "who", 30),
    Column("所需材料", "materials", 30),
    Column("时限（工作日）", "days", 10, required=True),
    Column("办理地点", "where", 16),
    Column("收费", "fee", 10),
    Column("经办角色", "handler_role", 16, "roles", required=True),
    Column("可代办", "proxy", 8, "yesno"),
)
CERTIFICATE_COLUMNS = (
    Column("证明名称", "name", 34, required=True),
    Column("可否出具", "allowed", 10, "allowed", required=True),
    Column("依据", "basis", 34),
    Column("应去何处办理", "go_to", 34),
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    S_ITEMS: ITEM_COLUMNS,
    S_STEPS: STEP_COLUMNS,
    S_RISKS: RISK_COLUMNS,
    S_RESPONSIBILITIES: RESPONSIBILITY_COLUMNS,
    S_SERVICES: SERVICE_COLUMNS,
    S_CERTIFICATES: CERTIFICATE_COLUMNS,
}
# Where a problem of rules.py (which names the YAML file) shows up in the workbook.
SHEET_OF_FILE = {
    r.F_ITEMS: S_ITEMS,
    r.F_RESPONSIBILITIES: S_RESPONSIBILITIES,
    r.F_SERVICES: S_SERVICES,
    r.F_CERTIFICATES: S_CERTIFICATES,
}
# Rules whose problems the reader already reports on their rows (vocabularies, duplicates).
_READER_RULES = frozenset({"unique_codes", "known_roles", "known_meeting_kinds", "known_sections"})


def _vocabularies(context: CatalogueSpec) -> dict[str, dict[str, str]]:
    """Vocabulary name → {key: label shown in the cell}."""
    return {
        "roles": {k: str(v) for k, v in FLOW_ROLES.items()},
        "heads": {str(k): str(v) for k, v in ResponsibleHead.choices},
        "kinds": {str(k): str(v) for k, v in ItemKind.choices},
        "bodies": {str(k): str(v) for k, v in DecidingBody.choices},
        "meetings": {str(k): str(v) for k, v in MeetingKind.choices},
        "sections": {str(k): str(v) for k, v in Section.choices},
        "roster": {str(k): str(v) for k, v in RosterField.choices},
        "categories": {c.key: c.name for c in context.categories},
        "templates": {t.key: t.key for t in context.templates},
        "yesno": {YES: YES, NO: NO},
        "allowed": {ALLOWED: ALLOWED, DENIED: DENIED},
    }


# --- writing ----------------------------------------------------------------------------------


def _lines(values: Iterable[str]) -> str:
    return "\n".join(values)


def citation_text(c: dict[str, str]) -> str:
    """One citation as a cell line: "vcol 第24条第1项", or the document's name."""
    if c.get("law") and c.get("article"):
        return f"{c['law']} 第{c['article']}条" + (f"第{c['item']}项" if c.get("item") else "")
    return str(c.get("text", ""))


def _label(vocab: dict[str, str], key: str) -> str:
    return vocab.get(key, key) if key else ""


def _yes(value: bool) -> str:
    return YES if value else NO


def _item_row(i: ItemSpec, v: dict[str, dict[str, str]]) -> list[Any]:
    return [
        i.code,
        i.name,
        _label(v["categories"], i.category),
        _label(v["kinds"], i.kind),
        i.summary,
        _lines(citation_text(c) for c in i.basis),
        i.art24,
        i.ceol_art26,
        _label(v["bodies"], i.deciding_body),
        _yes(i.delegable),
        _label(v["roles"], i.responsible_role),
        i.template,
        _lines(i.publish),
        "、".join(_label(v["roster"], f) for f in i.roster_fields) if i.roster_fields is not None else "",
        i.roster_category_label,
    ]


def _step_row(code: str, position: int, s: StepSpec, v: dict[str, dict[str, str]]) -> list[Any]:
    return [
        code,
        position,
        s.key,
        s.name,
        _label(v["roles"], s.role),
        s.days,
        _lines(s.materials),
        _lines(s.outputs),
        _label(v["meetings"], s.meeting_kind),
        _yes(s.vote),
        _label(v["sections"], s.publish_section),
        s.publish_days,
        s.publish_what,
        _yes(s.supervision_signs),
        s.min_people,
    ]


def _help_lines(context: CatalogueSpec) -> list[str]:
    return [
        _("县级村级小微权力清单（Excel 填写说明）"),
        _("1. 每个工作表第一行是列名，请不要修改或删除列名；新增事项就在表格下方加一行。"),
        _(
            "2. “权力事项”一行一个事项；“流程步骤”一行一个步骤，用“事项编号”对应事项，按“序号”排列；"
            "“风险点”一行一个风险点。"
        ),
        _("3. 带下拉框的格子（角色、会议类型、公开栏目、分类等）请从下拉框中选择。"),
        _("4. 一个格子里有多项内容（材料、公开内容、依据）时，每项占一行（按 Alt+回车 换行）。"),
        _("5. 依据写成“vcol 第24条”或“vcol 第24条第1项”（法律简称见右侧），政策文件直接写文件名。"),
        _("6. 时限按工作日填整数，0 表示当天办结，不能为负数；公示天数至少 1 天。"),
        _("7. 名单公示字段只能用：姓名、家庭人口、金额、类别、期间、村民小组，用“、”分隔。"),
        _("8. “四议两公开”（F1）的七个法定步骤不能删减或调换，村务监督委员会逐步签字。"),
        _("9. 上传后系统整体检查：只要有一处问题，就一条也不导入，并按工作表和行号列出全部问题。"),
        "",
        _("流程模板：") + "；".join(f"{t.key} {t.name}" for t in context.templates),
        _("法律简称：") + "；".join(f"{x.key} = {x.name}" for x in context.laws),
    ]


def _write_help(ws: Worksheet, context: CatalogueSpec, vocab: dict[str, dict[str, str]]) -> dict[str, str]:
    """The instructions in column A and each vocabulary in a column to the right; name → range."""
    ws.column_dimensions["A"].width = 90
    for row, line in enumerate(_help_lines(context), start=1):
        cell = ws.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=14)
    ranges = {}
    for index, (name, values) in enumerate(vocab.items(), start=3):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 18
        ws.cell(row=1, column=index, value=name).font = Font(bold=True, color="888888")
        labels = list(values.values())
        for row, label in enumerate(labels, start=2):
            ws.cell(row=row, column=index, value=label)
        ranges[name] = f"'{S_HELP}'!${letter}$2:${letter}${len(labels) + 1}"
    return ranges


def _set(ws: Worksheet, row: int, column: int, value: Any) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        # Text is text: a name starting with "=" must never become a formula.
        cell.data_type = "s"
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_sheet(ws: Worksheet, columns: tuple[Column, ...], rows: list[list[Any]], ranges: dict[str, str]) -> None:
    fill = PatternFill("solid", fgColor="FCE9E7")
    for index, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width
        if col.choices and col.choices in ranges:
            dv = DataValidation(type="list", formula1=ranges[col.choices], allow_blank=not col.required)
            dv.error, dv.errorTitle = _("请从下拉框中选择。"), _("不在可选范围内")
            dv.showErrorMessage = True
            dv.add(f"{letter}2:{letter}{VALIDATION_ROWS + 1}")
            ws.add_data_validation(dv)
    for row, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            _set(ws, row, index, value)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"


def workbook_export(spec: CatalogueSpec) -> bytes:
    """The version as an .xlsx workbook: instructions, then one sheet per list."""
    vocab = _vocabularies(spec)
    wb = Workbook()
    help_sheet = wb.worksheets[0]
    help_sheet.title = S_HELP
    ranges = _write_help(help_sheet, spec, vocab)
    rows: dict[str, list[list[Any]]] = {
        S_ITEMS: [_item_row(i, vocab) for i in spec.items],
        S_STEPS: [_step_row(i.code, n, s, vocab) for i in spec.items for n, s in enumerate(i.steps, start=1)],
        S_RISKS: [
            [i.code, x.get("point", ""), x.get("control", ""), x.get("rule", "")] for i in spec.items for x in i.risks
        ],
        S_RESPONSIBILITIES: [
            [x.code, _label(vocab["heads"], x.role), x.text, _lines(citation_text(c) for c in x.basis), x.check]
            for x in spec.responsibilities
        ],
        S_SERVICES: [
            [
                s.code,
                s.name,
                s.power_item,
                s.who,
                _lines(s.materials),
                s.days,
                s.where,
                s.fee,
                _label(vocab["roles"], s.handler_role),
                _yes(s.proxy),
            ]
            for s in spec.services
        ],
        S_CERTIFICATES: [
            [c.name, ALLOWED if c.allowed else DENIED, citation_text(c.basis) if c.basis else "", c.go_to]
            for c in spec.certificates
        ],
    }
    for name in DATA_SHEETS:
        _write_sheet(wb.create_sheet(name), COLUMNS[name], rows[name], ranges)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading ----------------------------------------------------------------------------------


def size_label(size: int) -> str:
    """A byte count for people: "5 MB" for a round limit, otherwise Django's "2.4 MB" or "900 KB"."""
    return filesizeformat(size).replace(".0\xa0", "\xa0")


def max_upload_bytes() -> int:
    """The workbook upload limit in bytes (setting CATALOGUE_MAX_UPLOAD_BYTES, 5 MB by default)."""
    return int(settings.CATALOGUE_MAX_UPLOAD_BYTES)


def upload_check(*, name: str, size: int, head: bytes) -> None:
    """Refuse anything but an .xlsx file of at most max_upload_bytes() (413 / 422)."""
    limit = max_upload_bytes()
    if size > limit:
        raise UploadTooLarge(
            _("文件超过 %(max)s，请删去无关内容后再上传。") % {"max": size_label(limit)},
            details={"field": "file", "max_bytes": limit},
        )
    if not name.lower().endswith(".xlsx") or not head.startswith(b"PK\x03\x04"):
        raise Unprocessable(
            _("请上传 Excel 工作簿（.xlsx 文件）；.xls、.csv 等格式请先在 WPS 或 Excel 中另存为 .xlsx。"),
            details={"field": "file"},
            code="not_xlsx",
        )


@dataclass
class _Reader:
    """The problems found so far and where each entry came from (for the rules' problems)."""

    vocab: dict[str, dict[str, str]]
    problems: list[Problem] = field(default_factory=list)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, code or item:step) → row

    def add(self, sheet: str, row: int | None, message: str, code: str = "", column: str = "") -> None:
        self.problems.append(Problem(file=sheet, code=code, message=message, row=row, field=column))


@dataclass
class _Row:
    """One row of a sheet, its values by column key, read through the reader's checks."""

    reader: _Reader
    sheet: str
    number: int
    values: dict[str, Any]
    code: str = ""

    def _fail(self, col: Column, message: str) -> None:
        self.reader.add(self.sheet, self.number, f"“{col.header}”{message}", self.code, col.key)

    def _column(self, key: str) -> Column:
        return next(c for c in COLUMNS[self.sheet] if c.key == key)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        text = "" if value is None else str(value).strip()
        if not text and self._column(key).required:
            self._fail(self._column(key), _("不能为空"))
        return text

    def lines(self, key: str) -> list[str]:
        return [line.strip() for line in self.text(key).splitlines() if line.strip()]

    def number_or_none(self, key: str, *, minimum: int | None = None) -> int | None:
        col, value = self._column(key), self.values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if col.required:
                self._fail(col, _("不能为空"))
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
            number = int(value.strip())
        if number is None:
            self._fail(col, _("应为整数，现在是“%(v)s”") % {"v": value})
        elif minimum is not None and number < minimum:
            self._fail(col, _("不能小于 %(m)d，现在是 %(v)d") % {"m": minimum, "v": number})
            return None
        return number

    def choice(self, key: str) -> str:
        """The key of a vocabulary value given by its label or its key ("" when empty)."""
        col, text = self._column(key), self.text(key)
        if not text:
            return ""
        vocab = self.reader.vocab[col.choices]
        if text in vocab:
            return text
        by_label = {label: k for k, label in vocab.items()}
        if text in by_label:
            return by_label[text]
        self._fail(col, _("的值“%(v)s”不在可选范围内（可选：%(c)s）") % {"v": text, "c": "、".join(vocab.values())})
        return ""

    def flag(self, key: str) -> bool:
        value = self.values.get(key)
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip()
        if text in ("", NO, "false", "FALSE"):
            return False
        if text in (YES, "true", "TRUE"):
            return True
        self._fail(self._column(key), _("应为“是”或“否”，现在是“%(v)s”") % {"v": text})
        return False

    def citations(self, key: str) -> list[dict[str, str]]:
        out = []
        for line in self.lines(key):
            match = _CITATION.match(line)
            if match:
                out.append({k: v for k, v in match.groupdict().items() if v})
            else:
                out.append({"text": line})
        return out


def _sheet_rows(wb: Any, name: str, reader: _Reader) -> Iterator[_Row]:
    """The non-empty rows of a sheet, after checking that it and its columns are there."""
    if name not in wb.sheetnames:
        reader.add(name, None, _("缺少工作表“%(s)s”") % {"s": name})
        return
    sheet = wb[name]
    if hasattr(sheet, "reset_dimensions"):
        # Some writers store a wrong used range; read every row there is, not what it claims.
        sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    columns = COLUMNS[name]
    missing = [c.header for c in columns if c.header not in header]
    if missing:
        reader.add(name, 1, _("缺少列：%(c)s（请勿修改第一行的列名）") % {"c": "、".join(missing)})
        return
    index = {c.key: header.index(c.header) for c in columns}
    for number, values in enumerate(rows, start=2):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        cells = {key: values[i] if i < len(values) else None for key, i in index.items()}
        yield _Row(reader, name, number, cells)


def _check_unique(reader: _Reader, sheet: str, entries: list[tuple[str, int]]) -> None:
    counts = Counter(code for code, _row in entries)
    for code, row in entries:
        if code and counts[code] > 1:
            others = "、".join(str(n) for c, n in entries if c == code and n != row)
            reader.add(sheet, row, _("编号 %(c)s 重复（又见第 %(o)s 行）") % {"c": code, "o": others}, code)


def _read_steps(wb: Any, reader: _Reader) -> dict[str, list[tuple[int, StepSpec]]]:
    steps: dict[str, list[tuple[int, int, StepSpec]]] = {}
    for row in _sheet_rows(wb, S_STEPS, reader):
        row.code = row.text("item")
        position = row.number_or_none("position") or 0
        step = StepSpec(
            key=row.text("key"),
            name=row.text("name"),
            role=row.choice("role"),
            days=row.number_or_none("days", minimum=0) or 0,
            materials=row.lines("materials"),
            outputs=row.lines("outputs"),
            meeting_kind=row.choice("meeting_kind"),
            vote=row.flag("vote"),
            publish_section=row.choice("publish_section"),
            publish_days=row.number_or_none("publish_days", minimum=1),
            publish_what=row.text("publish_what"),
            supervision_signs=row.flag("supervision_signs"),
            min_people=row.number_or_none("min_people", minimum=1),
        )
        steps.setdefault(row.code, []).append((position, row.number, step))
        reader.rows[(S_STEPS, f"{row.code}:{step.key}")] = row.number
    out = {}
    for code, rows in steps.items():
        _check_unique(reader, S_STEPS, [(s.key, n) for _p, n, s in rows])
        out[code] = [(n, s) for _p, n, s in sorted(rows, key=lambda x: (x[0], x[1]))]
    return out


def _read_risks(wb: Any, reader: _Reader) -> dict[str, list[dict[str, str]]]:
    risks: dict[str, list[dict[str, str]]] = {}
    for row in _sheet_rows(wb, S_RISKS, reader):
        row.code = row.text("item")
        risk = {"point": row.text("point"), "control": row.text("control"), "rule": row.text("rule")}
        risks.setdefault(row.code, []).append({k: v for k, v in risk.items() if v or k == "point"})
    return risks


def _roster(row: _Row) -> list[str] | None:
    text = row.text("roster_fields")
    if not text:
        return None
    by_label = {label: k for k, label in row.reader.vocab["roster"].items()}
    out = []
    for part in re.split(r"[、,，\s]+", text):
        if part in row.reader.vocab["roster"] or part in by_label:
            out.append(by_label.get(part, part))
        elif part:
            row._fail(row._column("roster_fields"), _("中的“%(v)s”不是名单字段") % {"v": part})
    return out


def _read_items(
    wb: Any, reader: _Reader, context: CatalogueSpec, previous: dict[str, dict[str, Any]]
) -> list[ItemSpec]:
    steps, risks = _read_steps(wb, reader), _read_risks(wb, reader)
    # Steps already refused on their rows are not checked again as a flow.
    bad_steps = {p.code for p in reader.problems if p.file == S_STEPS}
    items, seen = [], []
    for row in _sheet_rows(wb, S_ITEMS, reader):
        row.code = row.text("code")
        seen.append((row.code, row.number))
        reader.rows[(S_ITEMS, row.code)] = row.number
        template_key = row.choice("template")
        item = ItemSpec(
            code=row.code,
            name=row.text("name"),
            category=row.choice("category"),
            kind=row.choice("kind"),
            summary=row.text("summary"),
            basis=row.citations("basis"),
            art24=row.number_or_none("art24"),
            ceol_art26=row.number_or_none("ceol_art26"),
            deciding_body=row.choice("deciding_body"),
            delegable=row.flag("delegable"),
            responsible_role=row.choice("responsible_role"),
            template=template_key,
            adjust={},
            steps=[s for _n, s in steps.pop(row.code, [])],
            risks=risks.pop(row.code, []),
            publish=row.lines("publish"),
            roster_fields=_roster(row),
            roster_category_label=row.text("roster_category_label"),
        )
        if not item.steps:
            reader.add(S_ITEMS, row.number, _("事项 %(c)s 在“流程步骤”中没有任何步骤") % {"c": row.code}, row.code)
        template = context.template(template_key)
        if template is not None and item.steps and row.code not in bad_steps:
            item.adjust = flow_compact(
                template=template,
                previous=previous.get(row.code, {}),
                steps=item.steps,
                deciding_body=item.deciding_body,
            )

            def report(message: str, column: str = "", number: int = row.number, code: str = row.code) -> None:
                reader.add(S_ITEMS, number, message, code, column)

            flow_build(template=template, adjust=item.adjust, deciding_body=item.deciding_body, report=report)
        items.append(item)
    _check_unique(reader, S_ITEMS, seen)
    for sheet, orphans in ((S_STEPS, steps), (S_RISKS, risks)):
        for code in orphans:
            reader.add(sheet, None, _("事项编号 %(c)s 不在“权力事项”表中") % {"c": code}, code)
    return items


def _read_responsibilities(wb: Any, reader: _Reader) -> list[ResponsibilitySpec]:
    out, seen = [], []
    for row in _sheet_rows(wb, S_RESPONSIBILITIES, reader):
        row.code = row.text("code")
        seen.append((row.code, row.number))
        reader.rows[(S_RESPONSIBILITIES, row.code)] = row.number
        out.append(
            ResponsibilitySpec(
                code=row.code,
                role=row.choice("role"),
                text=row.text("text"),
                basis=row.citations("basis"),
                check=row.text("check"),
            )
        )
    _check_unique(reader, S_RESPONSIBILITIES, seen)
    return out


def _read_services(wb: Any, reader: _Reader) -> list[ServiceSpec]:
    out, seen = [], []
    for row in _sheet_rows(wb, S_SERVICES, reader):
        row.code = row.text("code")
        seen.append((row.code, row.number))
        reader.rows[(S_SERVICES, row.code)] = row.number
        out.append(
            ServiceSpec(
                code=row.code,
                name=row.text("name"),
                power_item=row.text("power_item"),
                who=row.text("who"),
                materials=row.lines("materials"),
                days=row.number_or_none("days", minimum=0) or 0,
                where=row.text("where"),
                fee=row.text("fee"),
                handler_role=row.choice("handler_role"),
                proxy=row.flag("proxy"),
            )
        )
    _check_unique(reader, S_SERVICES, seen)
    return out


def _read_certificates(wb: Any, reader: _Reader) -> list[CertificateSpec]:
    out, seen = [], []
    for row in _sheet_rows(wb, S_CERTIFICATES, reader):
        row.code = row.text("name")
        seen.append((row.code, row.number))
        reader.rows[(S_CERTIFICATES, row.code)] = row.number
        basis = row.citations("basis")
        allowed = row.choice("allowed") == ALLOWED
        out.append(
            CertificateSpec(name=row.code, allowed=allowed, basis=basis[0] if basis else None, go_to=row.text("go_to"))
        )
    _check_unique(reader, S_CERTIFICATES, seen)
    return out


def _locate(reader: _Reader, p: Problem) -> Problem:
    """A problem of rules.py moved onto the sheet and row its entry (or step) came from."""
    sheet = SHEET_OF_FILE.get(p.file, p.file)
    row = reader.rows.get((sheet, p.code))
    step = _STEP_IN_MESSAGE.search(p.message)
    if sheet == S_ITEMS and step and (S_STEPS, f"{p.code}:{step.group(1)}") in reader.rows:
        sheet, row = S_STEPS, reader.rows[(S_STEPS, f"{p.code}:{step.group(1)}")]
    return Problem(file=sheet, code=p.code, message=p.message, rule=p.rule, row=row, field=p.field)


def workbook_read(
    data: bytes, *, context: CatalogueSpec, previous: dict[str, dict[str, Any]] | None = None
) -> tuple[CatalogueSpec, list[Problem]]:
    """The lists in the workbook, with the laws, categories and templates of `context`, and every
    problem of structure and lawfulness, located by sheet and row (empty when it may be imported).

    `previous` (item code → flow adjustments of the draft) keeps an item's flow as the adjustments
    it was written with when its steps are unchanged.
    """
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Unprocessable(
            _("无法读取这个工作簿，请确认它是用 WPS 或 Excel 保存的 .xlsx 文件。"),
            details={"field": "file", "error": type(exc).__name__},
            code="not_xlsx",
        ) from None
    reader = _Reader(vocab=_vocabularies(context))
    spec = CatalogueSpec(
        laws=list(context.laws), categories=list(context.categories), templates=list(context.templates)
    )
    spec.items = _read_items(wb, reader, context, previous or {})
    spec.responsibilities = _read_responsibilities(wb, reader)
    spec.services = _read_services(wb, reader)
    spec.certificates = _read_certificates(wb, reader)
    wb.close()
    seen = {(p.file, p.row, p.field) for p in reader.problems}
    located = [_locate(reader, p) for p in check_catalogue(spec) if p.rule not in _READER_RULES]
    return spec, reader.problems + [p for p in located if (p.file, p.row, p.field) not in seen]
