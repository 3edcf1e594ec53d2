"""Classical test statistics for a quiz, computed as Moodle's quiz statistics report does.

Input is plain data (one list of item marks per attempt), so every figure can be checked
against hand-computed values.
"""

import math
import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

FACILITY_LOW = 0.20
FACILITY_HIGH = 0.95
DISCRIMINATION_LOW = 0.10

FLAG_LABELS = {
    "hard": _("very hard (facility below 20%)"),
    "easy": _("very easy (facility above 95%)"),
    "negative": _("negative discrimination: check the answer key"),
    "low": _("low discrimination (below 0.1)"),
}


def enough_attempts(attempts):
    """Whether a question's figures come from enough attempts to flag it
    (ITEM_FLAG_MIN_ATTEMPTS): from a handful, facility and discrimination say more about
    chance than about the question. The stored figures keep every flag; this decides, when
    they are read, which are shown, so a changed setting needs no recomputation."""
    return attempts >= settings.ITEM_FLAG_MIN_ATTEMPTS


def shown_flags(item):
    """The flags of a stored item (a dict of ItemStats) that editors are shown."""
    return item.get("flags", []) if enough_attempts(item.get("attempts", 0)) else []


def pearson(xs, ys):
    if len(xs) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def cronbach_alpha(item_columns, totals):
    """alpha = k/(k-1) * (1 - sum of item variances / variance of totals)."""
    k = len(item_columns)
    if k < 2 or len(totals) < 2:
        return None
    total_variance = statistics.pvariance(totals)
    if total_variance == 0:
        return None
    item_variance = sum(statistics.pvariance(column) for column in item_columns)
    return k / (k - 1) * (1 - item_variance / total_variance)


@dataclass
class ItemStats:
    key: str
    label: str
    max_mark: float
    attempts: int
    facility: float | None
    discrimination: float | None
    efficiency: float | None
    choice_counts: dict = field(default_factory=dict)

    @property
    def flags(self):
        """Codes of FLAG_LABELS (stored as codes, shown translated)."""
        flags = []
        if self.facility is not None and self.facility < FACILITY_LOW:
            flags.append("hard")
        if self.facility is not None and self.facility > FACILITY_HIGH:
            flags.append("easy")
        if self.discrimination is not None and self.discrimination < 0:
            flags.append("negative")
        elif self.discrimination is not None and self.discrimination < DISCRIMINATION_LOW:
            flags.append("low")
        return flags


def item_stats(key, label, max_mark, marks, totals, choice_counts):
    """marks: this item's mark in each attempt; totals: each attempt's total score."""
    rest = [total - mark for total, mark in zip(totals, marks, strict=True)]
    discrimination = pearson(marks, rest)
    best_possible = pearson(sorted(marks), sorted(rest))
    efficiency = (
        discrimination / best_possible
        if discrimination is not None and best_possible not in (None, 0)
        else None
    )
    return ItemStats(
        key=key,
        label=label,
        max_mark=max_mark,
        attempts=len(marks),
        facility=statistics.fmean(marks) / max_mark if marks and max_mark else None,
        discrimination=discrimination,
        efficiency=efficiency,
        choice_counts=choice_counts,
    )


def quiz_summary(totals, percents, passed):
    if not totals:
        return {"attempts": 0}
    return {
        "attempts": len(totals),
        "mean_percent": statistics.fmean(percents),
        "median_percent": statistics.median(percents),
        "pass_rate": sum(passed) / len(passed),
        # Ten bands of ten percent; a perfect score belongs to the top band.
        "distribution": [
            sum(1 for p in percents if low <= p < low + 10 or (low == 90 and p == 100))
            for low in range(0, 100, 10)
        ],
    }
