"""Forms of the case pages. They only parse what was typed: counts, amounts and texts are
checked by the services (one set of Chinese messages for the pages and the API alike), and each
form that changes a case carries the `version` the person saw, so a stale form gets 409.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from sunlight.catalogue.vocab import DecidingBody, MeetingKind

from .models import CaseStatus


def _number(label: Any, *, required: bool = True, help_text: Any = "") -> forms.CharField:
    # A text field with the phone's number keypad: the service says what is wrong with the value.
    return forms.CharField(
        label=label,
        required=required,
        max_length=12,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}),
    )


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *CaseStatus.choices])


class CaseOpenForm(forms.Form):
    item_code = forms.ChoiceField(
        label=_("权力事项（本村现行清单）"),
        error_messages={"invalid_choice": _("清单之外无权力：“%(value)s”不在本村今天有效的权力清单上。")},
    )
    title = forms.CharField(
        label=_("标题"), max_length=120, help_text=_("写清办什么事，例如：修缮村委会活动室。标题会公开。")
    )
    amount = forms.CharField(
        label=_("金额（元，可不填）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("情况说明"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("会公开显示，不要写身份证号、手机号、银行卡号。"),
    )

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for item in items:
            groups.setdefault(item.category.name, []).append((item.code, f"{item.code} {item.name}"))
        _choices(self, "item_code", [("", _("请选择事项")), *groups.items()])


class VersionForm(forms.Form):
    """Every form that changes a case: the version of the case the person saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MaterialsForm(VersionForm):
    present = forms.MultipleChoiceField(label=_("已备齐的材料"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, materials: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "present", [(m, m) for m in materials])


class MeetingForm(VersionForm):
    kind = forms.ChoiceField(label=_("会议类型"), required=False)
    group = forms.ChoiceField(label=_("村民小组"), required=False)
    notice_date = _date(_("通知日期"), required=False)
    held_on = _date(_("会议日期"))
    agenda = forms.CharField(label=_("议题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    roster_size = _number(
        _("应到人数"), required=False, help_text=_("登记数据里没有这个会议的人数时填写（如两委、监委会）。")
    )
    attendees = _number(_("到会人数"))
    households_represented = _number(
        _("到会户代表所代表的户数"), required=False, help_text=_("村民会议以户代表参加时填写。")
    )
    votes_for = _number(_("赞成"))
    votes_against = _number(_("反对"))
    votes_abstain = _number(_("弃权"))
    resolution = forms.CharField(
        label=_("决议（决定）内容"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.FileField(label=_("会议记录扫描件（可不传）"), required=False)
    signin = forms.FileField(label=_("签到表扫描件（可不传）"), required=False)

    def __init__(self, *args: Any, step: Any = None, groups: Any = (), delegable: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self._kinds(step, delegable)
        if len(kinds) > 1:
            _choices(self, "kind", [(k, MeetingKind(k).label) for k in kinds])
        else:
            del self.fields["kind"]
        if step is not None and step.meeting_kind == MeetingKind.GROUP:
            _choices(self, "group", [("", _("请选择")), *((g.code, g.name) for g in groups)])
        else:
            del self.fields["group"]
        if step is None or step.meeting_kind != MeetingKind.VILLAGERS:
            del self.fields["households_represented"]

    @staticmethod
    def _kinds(step: Any, delegable: bool) -> list[str]:
        """Only the resolve step may choose: the deciding body or, when delegable, the reps."""
        if step is None or not step.meeting_kind:
            return []
        kinds = [step.meeting_kind]
        if step.decides and delegable and DecidingBody.REPRESENTATIVES not in kinds:
            kinds.append(DecidingBody.REPRESENTATIVES)
        return kinds


class NoteForm(VersionForm):
    note = forms.CharField(label=_("意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(VersionForm):
    note = forms.CharField(
        label=_("办理情况（可不填）"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StopForm(VersionForm):
    reason = forms.CharField(
        label=_("终止理由（公开）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：村民代表会议表决未通过，本事项不再办理。"),
    )


class DraftForm(VersionForm):
    title = forms.CharField(label=_("公告标题"), max_length=120)
    body = forms.CharField(label=_("公告正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))


class ExceptionRequestForm(VersionForm):
    rule = forms.ChoiceField(label=_("申请例外的检查"))
    reason = forms.CharField(
        label=_("申请理由（至少 10 个字）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, failing: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "rule", [(c.rule, c.title) for c in failing])


class ExceptionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("grant", _("准予例外")), ("refuse", _("不准予"))], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("书面理由（准予时会公开）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
