"""The chart of interactions per month by purpose, drawn by the server as SVG: the dashboards and the Balance
view compute its geometry here, and templates/dashboards/_chart.html only places it."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.choices import Purpose
from dashboards.counts import MonthCount


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
class Chart:
    """A grouped bar chart drawn by the server as SVG: one pair of bars (personal, professional) a month.
    Geometry is in the viewBox's units; the template only places what is computed here."""

    months: list[MonthCount]
    width: int = 720
    height: int = 240
    left: int = 40
    bottom: int = 28
    top: int = 12
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.months)

    @property
    def baseline(self) -> float:
        return self.height - self.bottom

    @property
    def summary(self) -> str:
        personal = sum(m.personal for m in self.months)
        professional = sum(m.professional for m in self.months)
        return (
            f"Interactions per month over the last {len(self.months)} months: "
            f"{personal} personal and {professional} professional. The table below has each month."
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


def chart_build(months: list[MonthCount]) -> Chart:
    """The chart of `months`: a pair of bars a month on a y axis rounded up to a whole number of ticks."""
    chart = Chart(months)
    top = _nice_ceiling(max((max(m.personal, m.professional) for m in months), default=0))
    plot_height = chart.baseline - chart.top
    slot = (chart.width - chart.left - 8) / max(len(months), 1)
    bar_width = slot * 0.36
    for i, month in enumerate(months):
        x0 = chart.left + i * slot + slot * 0.12
        label = month.month.strftime("%b %Y")
        for j, (purpose, value) in enumerate(
            [(Purpose.PERSONAL, month.personal), (Purpose.PROFESSIONAL, month.professional)]
        ):
            height = plot_height * value / top
            chart.bars.append(
                Bar(
                    purpose,
                    round(x0 + j * bar_width, 1),
                    round(chart.baseline - height, 1),
                    round(bar_width - 1, 1),
                    round(height, 1),
                    value,
                    f"{label}: {value} {Purpose(purpose).label.lower()}",
                )
            )
        chart.labels.append((round(chart.left + i * slot + slot / 2, 1), month.month.strftime("%b")))
    # 1, 5 x 10^n split into fifths and 2 x 10^n into quarters give whole-number ticks.
    intervals = 4 if str(top).startswith("2") else 5
    for k in range(intervals + 1):
        value = top * k // intervals
        chart.ticks.append((round(chart.baseline - plot_height * value / top, 1), value))
    return chart
