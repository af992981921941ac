"""The monthly charts a person reads (issue 11 point 8): labelled nice ticks over a baseline at 0, values on the
chart, the chosen period marked, a satisfaction scale on which 87 % and 97 % are far apart, gaps for months
without ratings, and no text smaller than 12 px."""

import re

import pytest
from django.template.loader import render_to_string

from stats.charts import bar_chart, line_chart, nice_step

MONTHS = [f"{2025 + (m > 12)}-{(m - 1) % 12 + 1:02d}" for m in range(11, 24)]  # 2025-11 … 2026-11


def _series(received=None, completed=None, rates=None) -> list[dict]:
    received = received or [120, 98, 45, 130, 142, 110, 99, 87, 150, 133, 128, 140, 117]
    completed = completed or [r - 5 for r in received]
    rates = rates if rates is not None else [96.5, 91, 87, 97, 100, 92.3, 95, 94, 95, 98, 88, 90, 93]
    return [
        {"month": m, "received": r, "completed": c, "satisfaction_rate": s}
        for m, r, c, s in zip(MONTHS, received, completed, rates, strict=True)
    ]


def _is_nice(step: float) -> bool:
    mantissa = f"{step:e}".split("e")[0].rstrip("0").rstrip(".")
    return mantissa in {"1", "2", "5"}


@pytest.mark.parametrize("peak", [1, 7, 45, 100, 101, 150, 999, 1234])
def test_bar_ticks_are_nice_start_at_zero_and_cover_the_peak(peak):
    chart = bar_chart(_series(received=[peak] + [1] * 12), ("received", "completed"))

    values = [t["value"] for t in chart["ticks"]]
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    assert values[0] == 0
    assert len(steps) == 1 and _is_nice(steps.pop())
    assert values[-1] >= peak
    assert 3 <= len(values) - 1 <= 5
    assert [t["text"] for t in chart["ticks"]] == [str(int(v)) for v in values]


def test_nice_step_is_one_two_or_five_times_a_power_of_ten():
    assert [nice_step(s) for s in (5, 10, 15, 40, 55, 120, 150, 999)] == [1, 2, 5, 10, 20, 50, 50, 200]


def test_bars_stand_on_a_baseline_at_zero():
    chart = bar_chart(_series(received=[0] + [50] * 12), ("received", "completed"))

    zero = chart["ticks"][0]
    assert zero["value"] == 0 and zero["y"] == chart["baseline"]
    assert all(b["y"] + b["h"] == pytest.approx(chart["baseline"]) for b in chart["bars"])
    empty = next(b for b in chart["bars"] if b["key"] == "received" and b["month"] == MONTHS[0])
    assert empty["h"] == 0
    # The top tick is at the top of the plot, and a bar of that value reaches it.
    top = chart["ticks"][-1]
    assert top["y"] == chart["top"]


def test_each_bar_value_is_written_above_it():
    chart = bar_chart(_series(), ("received", "completed"))

    assert len(chart["bars"]) == 26
    for b in chart["bars"]:
        assert b["text"] == str(b["value"])
        assert b["ty"] < b["y"]
        assert b["x"] <= b["cx"] <= b["x"] + b["w"]


def test_charts_fit_the_admin_content_of_a_1024_px_screen():
    assert bar_chart(_series(), ("received", "completed"))["width"] <= 880
    assert line_chart(_series(), "satisfaction_rate")["width"] <= 880


def test_month_labels_show_the_year_at_the_first_month_and_at_january():
    labels = bar_chart(_series(), ("received", "completed"))["labels"]

    assert [label["month"] for label in labels] == [11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [(label["month"], label["year"]) for label in labels if label["year"]] == [(11, 2025), (1, 2026)]


def test_87_and_97_percent_are_at_least_40_px_apart():
    chart = line_chart(_series(rates=[87, 97] + [92] * 11), "satisfaction_rate")

    y = {p["value"]: p["y"] for p in chart["points"]}
    assert y[87] - y[97] >= 40
    assert chart["ticks"][-1]["value"] == 100
    assert chart["ticks"][0]["value"] < 87
    assert all(t["text"].endswith("%") for t in chart["ticks"])
    assert 3 <= len(chart["ticks"]) - 1 <= 5


def test_satisfaction_scale_stays_within_0_and_100():
    chart = line_chart(_series(rates=[3, 100] + [50] * 11), "satisfaction_rate")

    assert chart["ticks"][0]["value"] == 0
    assert chart["ticks"][-1]["value"] == 100
    assert all(chart["top"] <= p["y"] <= chart["baseline"] for p in chart["points"])


def test_each_point_has_its_value_written_beside_it():
    chart = line_chart(_series(), "satisfaction_rate")

    texts = {p["month"]: p["text"] for p in chart["points"]}
    assert texts[MONTHS[0]] == "96.5%" and texts[MONTHS[4]] == "100%"
    assert all(abs(p["ty"] - p["y"]) <= 20 for p in chart["points"])


def test_highlight_marks_exactly_the_chosen_months():
    quarter = {"2026-07", "2026-08", "2026-09"}
    bars = bar_chart(_series(), ("received", "completed"), highlight=quarter)
    line = line_chart(_series(), "satisfaction_rate", highlight=quarter)

    assert {b["month"] for b in bars["bars"] if b["highlight"]} == quarter
    assert sum(b["highlight"] for b in bars["bars"]) == 6  # two bars in each of the three months
    assert {label["key"] for label in bars["labels"] if label["highlight"]} == quarter
    assert {p["month"] for p in line["points"] if p["highlight"]} == quarter
    # One band behind the three months, from the left edge of July's slot to the right edge of September's.
    (band,) = bars["bands"]
    july, september = MONTHS.index("2026-07"), MONTHS.index("2026-09")
    assert band["x"] == pytest.approx(bars["left"] + july * bars["slot"], abs=0.1)
    assert band["x"] + band["w"] == pytest.approx(bars["left"] + (september + 1) * bars["slot"], abs=0.1)


def test_months_apart_get_a_band_each_and_no_highlight_gets_none():
    assert len(bar_chart(_series(), ("received",), highlight={"2025-11", "2026-11"})["bands"]) == 2
    plain = bar_chart(_series(), ("received",))
    assert plain["bands"] == [] and not any(b["highlight"] for b in plain["bars"])


def test_a_month_without_ratings_is_a_gap_in_the_line():
    rates = [90, 91, 92, None, 93, 94, 95, 96, 97, 98, 99, 100, 95]
    chart = line_chart(_series(rates=rates), "satisfaction_rate")

    assert MONTHS[3] not in {p["month"] for p in chart["points"]}
    assert len(chart["points"]) == 12
    assert [s["size"] for s in chart["segments"]] == [3, 9]
    assert [g["month"] for g in chart["gaps"]] == [MONTHS[3]]


def test_all_zero_and_all_missing_series_draw_without_dividing_by_zero():
    zeros = _series(received=[0] * 13, completed=[0] * 13, rates=[None] * 13)

    bars = bar_chart(zeros, ("received", "completed"))
    line = line_chart(zeros, "satisfaction_rate")

    assert all(b["h"] == 0 for b in bars["bars"])
    assert [t["value"] for t in bars["ticks"]] == [0, 1, 2, 3]
    assert line["points"] == [] and line["segments"] == []
    assert line["ticks"][0]["value"] == 0 and line["ticks"][-1]["value"] == 100


def _render(highlight=frozenset({"2026-11"})) -> str:
    return render_to_string(
        "admin/stats/_charts.html",
        {
            "volume_chart": bar_chart(_series(), ("received", "completed"), highlight=highlight),
            "satisfaction_chart": line_chart(
                _series(rates=[96.5, None, 87, 97, 100, 92.3, None, None, 95, 98, 88, 90, 93]),
                "satisfaction_rate",
                highlight=highlight,
            ),
        },
    )


def test_rendered_charts_have_no_text_smaller_than_12_px():
    html = _render()

    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', html)]
    sizes += [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", html)]
    assert len(sizes) > 50  # ticks, values and month labels all carry a size
    assert min(sizes) >= 12
    assert not re.search(r"font-size:\s*[\d.]+(em|rem|pt|%)|font-size:\s*(small|x-small|smaller)", html)
    # Every <text> says its size (none falls back to whatever the page around it uses).
    assert html.count("<text ") == len(re.findall(r'<text [^>]*font-size="', html))


def test_rendered_charts_scale_are_labelled_and_write_the_values():
    html = _render()

    assert html.count('role="img"') == 2
    assert html.count('width="100%"') == 2 and 'viewBox="0 0 860 ' in html
    assert html.count("<title>") == 26 + 10 + 3  # every bar, every point, every month without ratings
    assert ">142</text>" in html and ">96.5%</text>" in html and ">100%</text>" in html
    assert html.count("<polyline ") == 3  # 96.5 alone, 87…92.3, 95…93
