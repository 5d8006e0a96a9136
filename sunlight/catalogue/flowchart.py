"""An item's flow drawn as an SVG flowchart on the server: one box per step, top to bottom.

The drawing is 320 units wide and scales to the screen, so it reads on a 360 px phone without
JavaScript. Each box names the step, the acting role and the time limit, then the meeting, the
publicity period and the supervision committee's signature where there is one. Presentation
attributes only (no <style>), so the page's Content-Security-Policy allows it inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from .models import FlowStep
from .vocab import role_label

WIDTH, MARGIN, PAD = 320, 8, 10
TITLE_SIZE, TEXT_SIZE, LINE = 15, 13, 19
GAP = 26  # between boxes, where the arrow runs
FONT = '"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif'
COLOURS = {  # (fill, stroke): plain step, meeting, publicity
    "step": ("#f7f5f0", "#55555e"),
    "meeting": ("#eaf1fd", "#0a4fbf"),
    "publish": ("#fff6d6", "#b3261e"),
}
# For black-and-white print (the pocket book): greys only; every box also says in words what it is.
GREYS = {
    "step": ("#ffffff", "#333333"),
    "meeting": ("#e6e6e6", "#333333"),
    "publish": ("#cfcfcf", "#000000"),
}


def _width(text: str) -> float:
    """Estimated width in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)


def wrap(text: str, ems: float) -> list[str]:
    """Break `text` into lines no wider than `ems` (CJK has no spaces, so break anywhere)."""
    lines, line = [], ""
    for ch in text:
        if line and _width(line + ch) > ems:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines or [""]


def days_label(days: int) -> str:
    if days == 0:
        return gettext("当天办结")
    return ngettext("%(n)d个工作日", "%(n)d个工作日", days) % {"n": days}


def step_details(step: FlowStep) -> list[str]:
    """The lines under a step's name: role and time limit, then meeting, publicity, signatures."""
    lines = [f"{role_label(step.role)} · {days_label(step.days)}"]
    if step.meeting_kind:
        meeting = step.get_meeting_kind_display()
        vote = gettext("%(m)s（表决）") % {"m": meeting} if step.vote else meeting
        lines.append(gettext("会议：%(m)s") % {"m": vote})
    if step.publish_section:
        lines.append(
            gettext("公示 %(n)s 天 · %(s)s") % {"n": step.publish_days, "s": step.get_publish_section_display()}
        )
    if step.min_people:
        lines.append(gettext("至少 %(n)s 人在场") % {"n": step.min_people})
    if step.supervision_signs:
        lines.append(gettext("村务监督委员会签字"))
    return lines


@dataclass
class _Box:
    step: FlowStep
    title: list[str]
    details: list[str]
    y: int = 0

    @property
    def height(self) -> int:
        return PAD + len(self.title) * LINE + len(self.details) * (LINE - 2) + PAD

    @property
    def style(self) -> str:
        if self.step.publish_section:
            return "publish"
        return "meeting" if self.step.meeting_kind else "step"


def _box_svg(box: _Box, width: int, palette: dict[str, tuple[str, str]]) -> str:
    fill, stroke = palette[box.style]
    x, w = MARGIN, width - 2 * MARGIN
    parts = [
        f'<rect x="{x}" y="{box.y}" width="{w}" height="{box.height}" rx="8" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
    ]
    y = box.y + PAD + TITLE_SIZE
    for line in box.title:
        parts.append(
            f'<text x="{x + PAD}" y="{y}" font-size="{TITLE_SIZE}" font-weight="700" fill="#1d1d1f">'
            f"{escape(line)}</text>"
        )
        y += LINE
    for line in box.details:
        parts.append(f'<text x="{x + PAD}" y="{y - 1}" font-size="{TEXT_SIZE}" fill="#3d3d45">{escape(line)}</text>')
        y += LINE - 2
    return "".join(parts)


def _arrow_svg(top: int, width: int) -> str:
    mid, bottom = width // 2, top + GAP
    return (
        f'<line x1="{mid}" y1="{top + 2}" x2="{mid}" y2="{bottom - 8}" stroke="#55555e" stroke-width="2"/>'
        f'<polygon points="{mid - 6},{bottom - 9} {mid + 6},{bottom - 9} {mid},{bottom - 1}" fill="#55555e"/>'
    )


def flow_svg(
    steps: Sequence[FlowStep],
    *,
    title: str,
    width: int = WIDTH,
    palette: dict[str, tuple[str, str]] | None = None,
    title_id: str = "flow-title",
) -> SafeString:
    """The flowchart of `steps` as inline SVG markup (escaped text, safe to embed).

    `width` in drawing units (wider boxes wrap less: print uses the page width); `palette` GREYS for
    black-and-white print; `title_id` unique when several charts share one document.
    """
    palette = palette or COLOURS
    text_ems = (width - 2 * MARGIN - 2 * PAD) / TEXT_SIZE
    title_ems = (width - 2 * MARGIN - 2 * PAD) / TITLE_SIZE
    boxes = [
        _Box(s, wrap(f"{s.position}. {s.name}", title_ems), [ln for d in step_details(s) for ln in wrap(d, text_ems)])
        for s in steps
    ]
    y, parts = MARGIN, []
    for index, box in enumerate(boxes):
        box.y = y
        parts.append(_box_svg(box, width, palette))
        y += box.height
        if index < len(boxes) - 1:
            parts.append(_arrow_svg(y, width))
            y += GAP
    height = y + MARGIN
    label = escape(title)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{escape(title_id)}" font-family=\'{FONT}\'>'
        f'<title id="{escape(title_id)}">{label}</title>{"".join(parts)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 (every text node above is escaped)
