"""Forms of the staff pages and the objection form. Tables are typed as plain text so a clerk
can enter them on a phone without JavaScript:

    2026年第一季度低保名单 [名单]
    户主姓名:name | 保障人数:household_size | 月保障金:amount
    柳某某 | 3 | 650

A table is a block separated from the next by a blank line: a title line (ending in [名单] for a
subsidy roster), a line of columns `label:kind`, then one line per row, cells split by `|`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlight.lib.errors import Unprocessable

from .models import Section
from .privacy import COLUMN_KINDS
from .services import max_attachment_bytes, size_label

ROSTER_MARK = "[名单]"


def tables_parse(text: str) -> list[dict[str, Any]]:
    """The plain-text tables of a form in the stored shape (checked again by the services)."""
    tables = []
    blocks = [b for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    for n, block in enumerate(blocks, start=1):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if len(lines) < 2:
            raise Unprocessable(str(_("第 %(n)s 个表格应有标题行和栏目行。") % {"n": n}))
        title = lines[0]
        roster = title.endswith(ROSTER_MARK)
        columns = []
        for spec in lines[1].split("|"):
            label, _sep, kind = spec.strip().rpartition(":")
            if kind.strip() not in COLUMN_KINDS:
                raise Unprocessable(
                    str(_("第 %(n)s 个表格的栏目“%(spec)s”应写成 名称:类型") % {"n": n, "spec": spec.strip()[:30]})
                )
            columns.append({"label": label.strip(), "kind": kind.strip()})
        rows = [[cell.strip() for cell in line.split("|")] for line in lines[2:]]
        tables.append(
            {"title": title.removesuffix(ROSTER_MARK).strip(), "roster": roster, "columns": columns, "rows": rows}
        )
    return tables


def tables_text(tables: list[dict[str, Any]]) -> str:
    """The stored tables back in the form's plain-text shape."""
    blocks = []
    for t in tables or []:
        head = t.get("title", "") + (f" {ROSTER_MARK}" if t.get("roster") else "")
        cols = " | ".join(f"{c.get('label', '')}:{c['kind']}" for c in t.get("columns", []))
        rows = ["| ".join(str(x) for x in r) for r in t.get("rows", [])]
        blocks.append("\n".join([head, cols, *rows]))
    return "\n\n".join(blocks)


class PostForm(forms.Form):
    section = forms.ChoiceField(label=_("栏目"), choices=Section.choices)
    title = forms.CharField(label=_("标题"), min_length=2, max_length=120)
    body = forms.CharField(
        label=_("正文"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("空一行分段；以“- ”开头的行成为列表；**加粗**。不能包含身份证号、手机号、银行卡号。"),
    )
    tables = forms.CharField(
        label=_("表格"),
        required=False,
        max_length=200000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "每个表格：标题行（补助名单在末尾加 [名单]）；栏目行如 户主姓名:name | 保障人数:household_size | "
            "金额:amount；其后每行一条，用 | 分隔。表格之间空一行。"
        ),
    )
    power_item = forms.CharField(label=_("依据的权力事项编号"), required=False, max_length=16)
    case_ref = forms.CharField(label=_("关联事项办理编号"), required=False, max_length=64)
    publicity_start = forms.DateField(
        label=_("公示开始"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    publicity_end = forms.DateField(label=_("公示结束"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CorrectionForm(forms.Form):
    title = forms.CharField(label=_("更正标题"), min_length=2, max_length=120)
    body = forms.CharField(
        label=_("更正内容"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    tables = forms.CharField(
        label=_("表格"), required=False, max_length=200000, widget=forms.Textarea(attrs={"rows": 6})
    )
    publicity_start = forms.DateField(
        label=_("公示开始"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    publicity_end = forms.DateField(label=_("公示结束"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回理由"), min_length=2, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = size_label(max_attachment_bytes())
        self.fields["file"].label = _("附件（JPEG、PNG 或 PDF，最大 %(max)s）") % {"max": limit}


class ObjectionForm(forms.Form):
    reasons = forms.CharField(
        label=_("异议理由"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    named = forms.BooleanField(label=_("公开我的姓名（不勾选则答复时不显示您的身份）"), required=False)


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("答复"), min_length=2, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class CheckpointForm(forms.Form):
    """A checkpoint note a villager saved earlier: pasted, or uploaded as the saved file."""

    note = forms.CharField(
        label=_("粘贴您保存的检查点"),
        required=False,
        max_length=4000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(label=_("或选择保存的检查点文件"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > 4000:
                raise forms.ValidationError(_("文件太大：检查点文件只有几百个字节。"))
            try:
                data["note"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("这个文件不是文本文件，不是检查点。")) from None
        if not (data.get("note") or "").strip():
            raise forms.ValidationError(_("请粘贴检查点内容，或选择保存的检查点文件。"))
        return data
