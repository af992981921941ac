"""Small server-rendered SVG charts for the statistics page: geometry only, no JavaScript, prints well.

Both charts share one frame (the same width, margins and month slots), so a month sits at the same x in the
bar chart and in the line chart above or below it. Issue 11 point 8: a y axis with labelled "nice" ticks and a
baseline, every value written on the chart, the chosen period marked, and a satisfaction scale on which 87 % and
97 % look different. Sizes are in SVG user units; the partial scales the SVG with a viewBox.
"""

import math

WIDTH = 860  # ≤ 880: fits the admin content of a 1024 px screen
LEFT = 52  # room for tick labels such as "150" or "100%"
RIGHT = 12
TOP = 26  # room for the value written above the tallest bar or the highest point
BOTTOM = 44  # two lines of month labels: "12月" and, at the first month and at January, "2025年"
MAX_INTERVALS = 5
MIN_INTERVALS = 3


def nice_step(span: float, *, max_intervals: int = MAX_INTERVALS, minimum: float = 1) -> float:
    """The smallest step of 1, 2 or 5 × 10^n (and at least `minimum`) that covers `span` in `max_intervals` steps."""
    if span <= 0:
        return minimum
    exponent = math.floor(math.log10(span / max_intervals))
    while True:
        for mantissa in (1, 2, 5):
            step = mantissa * 10**exponent
            if step >= minimum and math.ceil(span / step - 1e-9) <= max_intervals:
                return step
        exponent += 1


def _number(value: float) -> str:
    """96.5 → "96.5", 100.0 → "100", 120 → "120"."""
    value = round(value, 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _frame(series: list[dict], highlight: set[str] | frozenset[str], height: int) -> dict:
    plot_bottom = height - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(series), 1)
    labels = []
    for i, row in enumerate(series):
        year, month = (int(part) for part in row["month"].split("-"))
        labels.append(
            {
                "x": round(LEFT + (i + 0.5) * slot, 1),
                "month": month,
                # The year is written under the first month and under every January.
                "year": year if i == 0 or month == 1 else None,
                "highlight": row["month"] in highlight,
                "key": row["month"],
            }
        )
    # One background band per run of consecutive chosen months (a quarter is one band, not three).
    bands: list[dict] = []
    for i, label in enumerate(labels):
        if not label["highlight"]:
            continue
        x = round(LEFT + i * slot, 1)
        if bands and bands[-1]["last"] == i - 1:
            bands[-1]["w"] = round(x + slot - bands[-1]["x"], 1)
            bands[-1]["last"] = i
        else:
            bands.append({"x": x, "w": round(slot, 1), "last": i})
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": plot_bottom,
        "slot": slot,
        "labels": labels,
        "bands": [{"x": b["x"], "w": b["w"], "y": TOP - 22, "h": plot_bottom - TOP + 22} for b in bands],
        "month_y": plot_bottom + 20,
        "year_y": plot_bottom + 37,
    }


def _ticks(low: float, high: float, step: float, to_y, suffix: str = "") -> list[dict]:
    count = round((high - low) / step)
    return [
        {"value": low + k * step, "y": round(to_y(low + k * step), 1), "text": _number(low + k * step) + suffix}
        for k in range(count + 1)
    ]


def bar_chart(
    series: list[dict],
    keys: tuple[str, ...],
    *,
    highlight: set[str] | frozenset[str] = frozenset(),
    height: int = 280,
) -> dict:
    """Geometry for a grouped bar chart of counts: baseline at 0, 3–5 nice intervals above it, each bar's value.

    `highlight` holds the months (YYYY-MM) of the chosen period; their bars and labels are marked and a band is
    drawn behind them.
    """
    frame = _frame(series, highlight, height)
    peak = max([row[k] or 0 for row in series for k in keys] + [0])
    step = nice_step(peak)
    top_value = max(math.ceil(peak / step - 1e-9), MIN_INTERVALS) * step
    plot_h = frame["bottom"] - frame["top"]

    def to_y(value: float) -> float:
        return frame["bottom"] - value / top_value * plot_h

    gap = 2
    bar_w = min(26.0, (frame["slot"] - 10 - gap * (len(keys) - 1)) / max(len(keys), 1))
    group_w = bar_w * len(keys) + gap * (len(keys) - 1)
    bars = []
    for i, row in enumerate(series):
        start = LEFT + i * frame["slot"] + (frame["slot"] - group_w) / 2
        for j, key in enumerate(keys):
            value = row[key] or 0
            y = round(to_y(value), 1)
            x = round(start + j * (bar_w + gap), 1)
            bars.append(
                {
                    "x": x,
                    "y": y,
                    "w": round(bar_w, 1),
                    "h": round(frame["bottom"] - y, 1),
                    "cx": round(x + bar_w / 2, 1),  # where the value is written, above the bar
                    "ty": round(y - 5, 1),
                    "key": key,
                    "index": j,
                    "value": value,
                    "text": _number(value),
                    "month": row["month"],
                    "highlight": row["month"] in highlight,
                }
            )
    return {
        **frame,
        "keys": keys,
        "bars": bars,
        "peak": peak,
        "ticks": _ticks(0, top_value, step, to_y),
        "baseline": frame["bottom"],
    }


def line_chart(
    series: list[dict],
    key: str,
    *,
    highlight: set[str] | frozenset[str] = frozenset(),
    height: int = 250,
) -> dict:
    """Geometry for a line chart of a percentage, on a scale chosen from the data so near values stay apart.

    The scale tops at 100 and starts at a multiple of the tick step below the lowest value (at a multiple of 5
    at least one below it), never under 0: with rates between 87 and 97 it runs from 80 to 100. A month without
    a value (None) is a gap: no point, and the line is broken into segments there.
    """
    frame = _frame(series, highlight, height)
    values = [row[key] for row in series if row[key] is not None]
    low = max(0, min(95, math.ceil(min(values) / 5) * 5 - 5)) if values else 0
    step = nice_step(100 - low)
    low = max(0, math.floor(low / step) * step)
    plot_h = frame["bottom"] - frame["top"]

    def to_y(value: float) -> float:
        return frame["bottom"] - (min(max(value, low), 100) - low) / (100 - low) * plot_h

    points = []
    segments: list[list[dict]] = []
    previous_missing = True
    for i, row in enumerate(series):
        value = row[key]
        if value is None:
            previous_missing = True
            continue
        point = {
            "x": frame["labels"][i]["x"],
            "y": round(to_y(value), 1),
            "value": value,
            "text": _number(value) + "%",
            "month": row["month"],
            "highlight": row["month"] in highlight,
            "index": i,
        }
        points.append(point)
        if previous_missing:
            segments.append([])
        segments[-1].append(point)
        previous_missing = False
    # The value goes above a point that stands at least as high as its neighbours, below one in a dip, so the
    # text keeps off the line; just above the baseline it goes above anyway (TOP leaves room above the highest).
    by_index = {p["index"]: p for p in points}
    for p in points:
        around = [by_index[n]["y"] for n in (p["index"] - 1, p["index"] + 1) if n in by_index]
        in_dip = bool(around) and p["y"] > sum(around) / len(around)
        below = in_dip and p["y"] < frame["bottom"] - 20
        p["ty"] = round(p["y"] + 20 if below else p["y"] - 9, 1)
    return {
        **frame,
        "points": points,
        "segments": [{"path": " ".join(f"{p['x']},{p['y']}" for p in s), "size": len(s)} for s in segments],
        "gaps": [
            {"x": frame["labels"][i]["x"], "month": row["month"]} for i, row in enumerate(series) if row[key] is None
        ],
        "ticks": _ticks(low, 100, step, to_y, "%"),
        "low": low,
        "baseline": frame["bottom"],
    }
