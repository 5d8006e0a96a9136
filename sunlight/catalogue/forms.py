"""Forms of the staff pages: an item's fields, its steps (a formset: add, remove, reorder), a new
draft, a local item, a township's decision and a workbook upload. They check shape and range only;
the services check the rules (rules.py) and answer with the problems.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from .excel import max_upload_bytes, size_label
from .flows import step_raw
from .spec import StepSpec
from .vocab import FLOW_ROLES, DecidingBody, ItemKind, MeetingKind, Section

_ROLE_CHOICES = [(k, str(v)) for k, v in FLOW_ROLES.items()]
_INVALID_CHOICE = _("请从列表中选择：“%(value)s”不是可选的值。")
_DAYS_ERRORS = {
    "min_value": _("时限不能为负数（0 表示当天办结）。"),
    "invalid": _("时限应为整数（工作日）。"),
    "required": _("请填写时限（工作日）。"),
}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def lines_initial(values: list[str]) -> str:
    return "\n".join(values)


class ItemForm(forms.Form):
    """The fields of a power item a county clerk edits (basis, risks and roster: in the workbook)."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label=_("名称"), max_length=100, min_length=2, error_messages={"required": _("请填写事项名称。")}
    )
    category = forms.ChoiceField(label=_("分类"), error_messages={"invalid_choice": _INVALID_CHOICE})
    kind = forms.ChoiceField(label=_("事项类别"), choices=ItemKind.choices)
    summary = forms.CharField(label=_("简要说明"), max_length=500, required=False, widget=forms.Textarea({"rows": 2}))
    deciding_body = forms.ChoiceField(
        label=_("决策主体"), choices=[("", _("无需集体决策")), *DecidingBody.choices], required=False
    )
    delegable = forms.BooleanField(label=_("可授权村民代表会议决定"), required=False)
    responsible_role = forms.ChoiceField(
        label=_("责任角色"), choices=_ROLE_CHOICES, error_messages={"invalid_choice": _INVALID_CHOICE}
    )
    publish = forms.CharField(
        label=_("公开内容（每行一项）"), max_length=1000, required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """The cleaned fields in the power_items.yaml shape the services take."""
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "category": data["category"],
            "kind": data["kind"],
            "summary": data["summary"].strip(),
            "deciding_body": data["deciding_body"] or None,
            "delegable": data["delegable"],
            "responsible_role": data["responsible_role"],
            "publish": _lines(data["publish"]),
        }


class NewItemForm(ItemForm):
    """A new item of a draft or a village's local item: also its code and its flow template."""

    code = forms.RegexField(
        label=_("编号"),
        regex=r"^[A-Za-z0-9]{1,16}$",
        error_messages={"invalid": _("编号应为 1 到 16 个字母或数字，如 BC01。")},
    )
    template = forms.ChoiceField(label=_("流程模板"), error_messages={"invalid_choice": _INVALID_CHOICE})
    field_order = ["code", "name", "category", "kind", "template"]

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates  # type: ignore[attr-defined]

    def raw(self) -> dict[str, Any]:
        return {
            **self.changes(),
            "code": self.cleaned_data["code"],
            "flow": {"template": self.cleaned_data["template"]},
        }


class StepForm(forms.Form):
    """One step of an item's flow; `position` orders the steps, `DELETE` (the formset's) drops one."""

    position = forms.IntegerField(label=_("序号"), min_value=1, max_value=99)
    key = forms.RegexField(
        label=_("步骤键"),
        regex=r"^[a-z][a-z0-9_]{0,39}$",
        error_messages={"invalid": _("步骤键应为小写英文字母、数字或下划线，如 survey。")},
    )
    name = forms.CharField(label=_("步骤名称"), max_length=60, error_messages={"required": _("请填写步骤名称。")})
    role = forms.ChoiceField(
        label=_("办理角色"), choices=_ROLE_CHOICES, error_messages={"invalid_choice": _INVALID_CHOICE}
    )
    days = forms.IntegerField(label=_("时限（工作日）"), min_value=0, max_value=999, error_messages=_DAYS_ERRORS)
    materials = forms.CharField(label=_("所需材料（每行一项）"), required=False, widget=forms.Textarea({"rows": 2}))
    outputs = forms.CharField(label=_("形成材料（每行一项）"), required=False, widget=forms.Textarea({"rows": 2}))
    meeting_kind = forms.ChoiceField(
        label=_("会议类型"), choices=[("", _("不开会")), *MeetingKind.choices], required=False
    )
    vote = forms.BooleanField(label=_("会议表决"), required=False)
    publish_section = forms.ChoiceField(
        label=_("公开栏目"), choices=[("", _("不公开")), *Section.choices], required=False
    )
    publish_days = forms.IntegerField(
        label=_("公示天数"),
        min_value=1,
        max_value=365,
        required=False,
        error_messages={"min_value": _("公示天数至少 1 天。")},
    )
    publish_what = forms.CharField(label=_("公开内容"), max_length=200, required=False)
    supervision_signs = forms.BooleanField(label=_("村务监督委员会签字"), required=False)
    min_people = forms.IntegerField(label=_("最少在场人数"), min_value=1, max_value=99, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("publish_section") and not data.get("publish_days"):
            self.add_error("publish_days", _("公开的步骤须填写公示天数（至少 1 天）。"))
        return data

    def step(self) -> StepSpec:
        d = self.cleaned_data
        section = d["publish_section"]
        return StepSpec(
            key=d["key"],
            name=d["name"].strip(),
            role=d["role"],
            days=d["days"],
            materials=_lines(d["materials"]),
            outputs=_lines(d["outputs"]),
            meeting_kind=d["meeting_kind"],
            vote=bool(d["meeting_kind"]) and d["vote"],
            publish_section=section,
            publish_days=d["publish_days"] if section else None,
            publish_what=d["publish_what"].strip() if section else "",
            supervision_signs=d["supervision_signs"],
            min_people=d["min_people"],
        )


StepFormSet = formset_factory(StepForm, extra=1, can_delete=True, max_num=40, absolute_max=60)


def step_initial(position: int, step: StepSpec) -> dict[str, Any]:
    """A step as the initial data of its form."""
    return {
        "position": position,
        **{k: v for k, v in step.__dict__.items() if k not in ("materials", "outputs")},
        "materials": lines_initial(step.materials),
        "outputs": lines_initial(step.outputs),
    }


def steps_raw(formset: Any) -> list[dict[str, Any]]:
    """The kept steps of a valid formset, in `position` order, in the YAML shape."""
    kept = [f for f in formset.forms if f.has_changed() or f.initial]
    kept = [f for f in kept if not f.cleaned_data.get("DELETE") and f.cleaned_data]
    kept.sort(key=lambda f: f.cleaned_data["position"])
    return [step_raw(f.step()) for f in kept]


class VersionForm(forms.Form):
    """A new draft revision of the county's lists."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("修订说明"), max_length=500, required=False, widget=forms.Textarea({"rows": 2}))


class PublishForm(forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput)
    effective_from = forms.DateField(label=_("生效日期（可不填）"), required=False)


class UploadForm(forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(error_messages={"required": _("请选择要上传的文件。")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = size_label(max_upload_bytes())
        self.fields["file"].label = _("Excel 工作簿（.xlsx，不超过 %(max)s）") % {"max": limit}


class DecisionForm(forms.Form):
    """A township's decision on a village's local item."""

    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("退回"))])
    note = forms.CharField(label=_("审批意见（退回时必填）"), max_length=500, required=False)
    active_from = forms.DateField(label=_("生效日期（默认今天）"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("退回时请写明理由。"))
        return data
