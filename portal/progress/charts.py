"""Small horizontal bar charts drawn as inline SVG on the server: no script, no CDN, and
presentation attributes only, so the strict Content Security Policy holds."""

BAR_HEIGHT = 22
GAP = 8


def bar_chart(items, *, maximum, unit="", compact=False):
    """items: [(label, value)]. Returns what templates/progress/_bar_chart.html draws."""
    height = 10 if compact else BAR_HEIGHT
    bars = []
    for index, (label, value) in enumerate(items):
        value = float(value or 0)
        bars.append(
            {
                "label": label,
                "value": value,
                "y": index * (height + GAP),
                "width": round(100 * min(value, maximum) / maximum, 1) if maximum else 0,
                "height": height,
            }
        )
    return {
        "bars": bars,
        "height": max(1, len(bars) * (height + GAP) - GAP),
        "unit": unit,
        "compact": compact,
        "summary": ", ".join(
            f"{label}: {value:g}{unit}"
            for label, value in ((b["label"], b["value"]) for b in bars)
        ),
    }
