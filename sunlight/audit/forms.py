"""The auditor's filter form."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Result


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
    action = forms.CharField(label=_("操作"), required=False, max_length=80)
    place_code = forms.RegexField(
        label=_("地方代码"),
        required=False,
        regex=r"^[0-9]{1,15}$",
        error_messages={"invalid": _("地方代码应为数字。")},
    )
    result = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部")), *Result.choices],
        error_messages={"invalid_choice": _("结果应为“成功”“失败”或“拒绝”。")},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("date_from", _("起始日期不能晚于截止日期。"))
        return data
