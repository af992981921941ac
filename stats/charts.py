"""Small server-rendered SVG charts for the statistics page: geometry only, no JavaScript, prints well."""


def bar_chart(series: list[dict], keys: tuple[str, ...], *, height: int = 160, bar: int = 14) -> dict:
    """Geometry for a small server-rendered SVG bar chart (no JavaScript, prints well)."""
    peak = max([row[k] or 0 for row in series for k in keys] + [1])
    group = bar * len(keys) + 10
    bars = []
    for i, row in enumerate(series):
        for j, key in enumerate(keys):
            value = row[key] or 0
            h = round(value / peak * (height - 30))
            bars.append(
                {
                    "x": 40 + i * group + j * bar,
                    "y": height - 20 - h,
                    "h": h,
                    "w": bar - 2,
                    "key": key,
                    "value": value,
                    "month": row["month"],
                }
            )
    labels = [{"x": 40 + i * group, "text": row["month"][2:]} for i, row in enumerate(series)]
    return {"bars": bars, "labels": labels, "width": 50 + group * len(series), "height": height, "peak": peak}


def line_chart(series: list[dict], key: str, *, height: int = 140) -> dict:
    step = 38
    points = []
    for i, row in enumerate(series):
        value = row[key]
        if value is not None:
            points.append({"x": 40 + i * step, "y": round(height - 20 - value / 100 * (height - 30)), "value": value})
    return {
        "points": points,
        "path": " ".join(f"{p['x']},{p['y']}" for p in points),
        "labels": [{"x": 40 + i * step, "text": row["month"][2:]} for i, row in enumerate(series)],
        "width": 60 + step * len(series),
        "height": height,
    }
