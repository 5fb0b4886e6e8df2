"""The chart of interactions per month by purpose, drawn by the server as SVG: the dashboards and the Balance
view compute its geometry here, and templates/dashboards/_chart.html only places it.

The chart is drawn twice, at two sizes (FRAMES), and the stylesheet shows the one that fits: SVG text
shrinks with its viewBox, so a 720-unit drawing squeezed onto a 300 px phone screen would print its 12-unit
labels at 5 px. The slim drawing is about as wide in units as a phone's screen in pixels, and labels
every other month and fewer ticks, so its text stays at least 12 px on screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from accounts.choices import Purpose
from dashboards.counts import MonthCount


@dataclass(frozen=True)
class Frame:
    """One size a chart is drawn at, in viewBox units, and how much of its axes it labels. `font` is the
    labels' size in units; the stylesheet draws the frame at a width where a unit is at least a pixel."""

    name: str
    width: int
    height: int
    left: int
    bottom: int
    top: int
    font: int
    label_every: int = 1
    # How many intervals the y axis is split into; None picks 4 or 5, whichever gives whole numbers.
    intervals: int | None = None


# From 800 px wide (the stylesheet's breakpoint) the card is about 720 px wide; below it, a phone's card is
# 300 to 340 px wide.
WIDE = Frame("wide", width=720, height=240, left=40, bottom=28, top=12, font=12)
SLIM = Frame("slim", width=300, height=200, left=32, bottom=26, top=12, font=13, label_every=2, intervals=2)
FRAMES = (WIDE, SLIM)


@dataclass(frozen=True)
class Bar:
    purpose: str
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass
class Drawing:
    """The chart drawn in one frame: bars, month labels along the bottom and ticks up the left."""

    frame: Frame
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)

    @property
    def baseline(self) -> float:
        return self.frame.height - self.frame.bottom

    @property
    def tick_x(self) -> int:
        return self.frame.left - 6

    @property
    def label_y(self) -> int:
        return self.frame.height - 8


@dataclass(frozen=True)
class MonthRow:
    """One month as the table under the chart shows it."""

    key: str  # "2026-06"
    month: dt.date  # its first day, printed in the user's date style (kith_dates' `month`)
    personal: int
    professional: int
    total: int


@dataclass
class Chart:
    """A grouped bar chart drawn by the server as SVG: one pair of bars (personal, professional) a month,
    in each of FRAMES. Geometry is in the viewBox's units; the template only places what is computed here."""

    months: list[MonthCount]
    drawings: list[Drawing] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.months)

    @property
    def rows(self) -> list[MonthRow]:
        return [
            MonthRow(m.month.strftime("%Y-%m"), m.month, m.personal, m.professional, m.total)
            for m in self.months
        ]

    @property
    def summary(self) -> str:
        personal = sum(m.personal for m in self.months)
        professional = sum(m.professional for m in self.months)
        return (
            f"Interactions per month over the last {len(self.months)} months: "
            f"{personal} personal and {professional} professional."
        )


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above `value` (at least 4), so the axis has round ticks."""
    value = max(value, 4)
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def _draw(months: list[MonthCount], frame: Frame, top: int) -> Drawing:
    """The pairs of bars of `months` in `frame`, on a y axis from 0 to `top`."""
    drawing = Drawing(frame)
    plot_height = drawing.baseline - frame.top
    slot = (frame.width - frame.left - 4) / max(len(months), 1)
    bar_width = slot * 0.38
    for i, month in enumerate(months):
        x0 = frame.left + i * slot + slot * 0.12
        label = month.month.strftime("%b %Y")
        for j, (purpose, value) in enumerate(
            [(Purpose.PERSONAL, month.personal), (Purpose.PROFESSIONAL, month.professional)]
        ):
            height = plot_height * value / top
            drawing.bars.append(
                Bar(
                    purpose,
                    round(x0 + j * bar_width, 1),
                    round(drawing.baseline - height, 1),
                    round(bar_width - 1, 1),
                    round(height, 1),
                    value,
                    f"{label}: {value} {Purpose(purpose).label.lower()}",
                )
            )
        # Count from the latest month, so that it is always labelled.
        if (len(months) - 1 - i) % frame.label_every == 0:
            drawing.labels.append((round(frame.left + i * slot + slot / 2, 1), month.month.strftime("%b")))
    # 1, 5 x 10^n split into fifths and 2 x 10^n into quarters give whole-number ticks; a tick between
    # them is placed at its own value, so a halved 5 is drawn at 2.
    intervals = frame.intervals or (4 if str(top).startswith("2") else 5)
    for k in range(intervals + 1):
        value = top * k // intervals
        drawing.ticks.append((round(drawing.baseline - plot_height * value / top, 1), value))
    return drawing


def chart_build(months: list[MonthCount]) -> Chart:
    """The chart of `months`, drawn in each of FRAMES on a y axis rounded up to a whole number of ticks."""
    top = _nice_ceiling(max((max(m.personal, m.professional) for m in months), default=0))
    return Chart(months, [_draw(months, frame, top) for frame in FRAMES])
