"""Small horizontal bar charts drawn as inline SVG on the server: no script, no CDN, and
presentation attributes only, so the strict Content Security Policy holds.

Each bar is a row of text and a drawing: what it is, the bar, and its value in words. The
words are what a screen reader reads and what a sighted reader checks the bar against; the
drawing alone says nothing to either, so it is hidden from assistive technology."""

from django.template.defaultfilters import floatformat

BAR_HEIGHT = 22
COMPACT_HEIGHT = 10


def bar_chart(items, *, maximum, caption, unit="", describe=None, compact=False):
    """items: [(label, value)]; `caption` says what the bars are. Each value is written as
    `describe(value)`, or as a whole number followed by `unit` ("50%"). Returns what
    templates/progress/_bar_chart.html draws."""
    bars = []
    for label, value in items:
        amount = float(value or 0)
        bars.append(
            {
                "label": label,
                "value_text": describe(amount) if describe else f"{floatformat(amount, 0)}{unit}",
                "width": round(100 * min(amount, maximum) / maximum, 1) if maximum else 0,
            }
        )
    return {
        "bars": bars,
        "caption": caption,
        "height": COMPACT_HEIGHT if compact else BAR_HEIGHT,
        "compact": compact,
    }
