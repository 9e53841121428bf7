"""The geometry of the insight page's charts, drawn by the server as inline SVG: bars per day and
bars per province. Numbers in, rectangles out; the templates add the text and the tables that
say the same thing in words."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# A campaign longer than this shows its last two years per day.
MAX_DAYS = 730
DAY_CHART_WIDTH = 640
DAY_CHART_HEIGHT = 160
PROVINCE_BAR_WIDTH = 300


@dataclass(frozen=True)
class DayBar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DayChart:
    bars: list[DayBar]
    highest: int
    total: int
    width: int = DAY_CHART_WIDTH
    height: int = DAY_CHART_HEIGHT

    @property
    def first(self) -> date | None:
        return self.bars[0].day if self.bars else None

    @property
    def last(self) -> date | None:
        return self.bars[-1].day if self.bars else None

    @property
    def busiest(self) -> DayBar | None:
        return max(self.bars, key=lambda bar: (bar.count, bar.day)) if self.bars else None


def day_chart(per_day: list[tuple[date, int]], until: date | None = None) -> DayChart:
    """Bars for every day from the first signature to `until` (or the last signature), days
    without signatures included as empty bars."""
    if not per_day:
        return DayChart([], 0, 0)
    counts = dict(per_day)
    last = max(until or per_day[-1][0], per_day[-1][0])
    first = max(per_day[0][0], last - timedelta(days=MAX_DAYS - 1))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    highest = max(counts.get(day, 0) for day in days) or 1
    slot = DAY_CHART_WIDTH / len(days)
    gap = slot * 0.15 if slot >= 4 else 0
    bars = []
    for number, day in enumerate(days):
        count = counts.get(day, 0)
        height = round(DAY_CHART_HEIGHT * count / highest, 2)
        bars.append(DayBar(day, count, round(number * slot + gap / 2, 2),
                           round(DAY_CHART_HEIGHT - height, 2), round(slot - gap, 2), height))
    return DayChart(bars, highest, sum(count for _day, count in per_day))


def bar_length(share: float) -> float:
    """The length of a province's bar for a share from 0 to 1."""
    return round(PROVINCE_BAR_WIDTH * max(0.0, min(share, 1.0)), 2)


SECTOR_CHART_WIDTH = 320
SECTOR_ROW_HEIGHT = 34
SECTOR_BAR_HEIGHT = 12
SECTOR_BAR_MAX = 260
# A longer name is cut in the chart (the table beside it has it whole).
SECTOR_LABEL_MAX = 44


@dataclass(frozen=True)
class SectorBar:
    sector: str
    label: str
    count: int
    y: float       # top of the row: the label sits on it, the bar under it
    width: float


@dataclass(frozen=True)
class SectorChart:
    bars: list[SectorBar]
    highest: int
    total: int
    width: int = SECTOR_CHART_WIDTH
    row_height: int = SECTOR_ROW_HEIGHT
    bar_height: int = SECTOR_BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * self.row_height

    @property
    def largest(self) -> SectorBar | None:
        return max(self.bars, key=lambda bar: bar.count) if self.total else None


def sector_chart(per_sector: list[tuple[str, int]]) -> SectorChart:
    """A horizontal bar for each sector, in the order given, zeros included."""
    highest = max((count for _sector, count in per_sector), default=0)
    bars = []
    for number, (sector, count) in enumerate(per_sector):
        label = (sector if len(sector) <= SECTOR_LABEL_MAX
                 else sector[:SECTOR_LABEL_MAX - 1].rstrip() + "…")
        width = round(SECTOR_BAR_MAX * count / highest, 2) if highest else 0.0
        bars.append(SectorBar(sector, label, count, number * SECTOR_ROW_HEIGHT, width))
    return SectorChart(bars, highest, sum(count for _sector, count in per_sector))
