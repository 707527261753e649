"""Chart and table number conventions (#13 "Charts"): target labels off the bars, the count
behind each score, a colour-blind safe calendar with marks, one place for table formats."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import charts


def _rates() -> pd.DataFrame:
    # two groups: 45/50 = 0.9 and 30/40 = 0.75
    return pd.DataFrame({"group": ["A", "B"], "numerator": [45, 30], "denominator": [50, 40], "rate": [0.9, 0.75],
                         "ci_low": [0.79, 0.6], "ci_high": [0.96, 0.86], "small_n": [False, False]})


@pytest.mark.parametrize("horizontal", [True, False])
def test_target_is_labelled_in_the_legend_not_over_the_bars(horizontal: bool) -> None:
    fig = charts.bars(_rates(), "zh", x="group", y=["rate"], percent=True)
    charts.add_target(fig, 0.85, "zh", horizontal=horizontal)
    assert fig.layout.annotations == ()  # nothing written on the plot
    legend = [tr for tr in fig.data if tr.name == "目标 85%"]
    assert len(legend) == 1 and legend[0].line.dash == "dash"
    assert len(fig.layout.shapes) == 1  # the dashed line itself


def test_ranking_bars_carry_the_count_and_an_axis_title() -> None:
    df = pd.DataFrame({"mentor": ["甲", "乙"], "overall": [88.25, 91.5], "n": [12, 1234]})
    fig = charts.bars(df, "zh", x="mentor", y=["overall"], horizontal=True, y_title="综合评价得分",
                      value_format=".1f", counts="n")
    bar = fig.data[0]
    assert list(bar.text) == ["n = 12", "n = 1,234"]
    assert "%{x:.1f}" in bar.hovertemplate and "%{text}" in bar.hovertemplate
    assert fig.layout.xaxis.title.text == "综合评价得分"


def test_compliance_calendar_marks_cells_and_leaves_blanks() -> None:
    # mentor m2 was appointed after 2025-01: that cell is blank (no row), not "missed"
    cal = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-02", "2025-01"], "mentor": ["m1", "m1", "m2", "m3"],
                        "compliant": [1.0, 0.0, 1.0, 0.0]})
    fig = charts.heatmap(cal, "zh", x="period", y="mentor", z="compliant", compliance=True)
    assert [list(r) for r in fig.data[0].text] == [["✓", "✗"], ["", "✓"], ["✗", ""]]
    colours = {c for _, c in fig.data[0].colorscale}
    assert colours == {"#f4a259", "#2c6fb7"}  # orange and blue: not a red/green pair


def test_title_sits_below_the_mode_bar_row() -> None:
    fig = charts.bars(_rates(), "zh", x="group", y=["rate"], title="标题")
    template = fig.layout.template.layout  # applied by plotly.js in the browser
    assert (template.title.yref, template.title.y, template.title.yanchor) == ("paper", 1.0, "bottom")
    assert template.margin.t == 72


def test_table_formats_decided_in_one_place() -> None:
    from ui import components as c

    df = pd.DataFrame({"group": ["a"], "budget": [1250000.0], "execution_rate": [0.9312], "budget_share": [0.25],
                       "mean_0_100": [81.26], "students": [12], "small_n": [False]})
    formats = c.default_formats(df, {"mean_0_100": c.decimal_column(0)})
    assert formats["budget"] == c.money_column()
    assert formats["execution_rate"] == c.percent_column() == formats["budget_share"]
    assert formats["mean_0_100"] == c.decimal_column(0)  # a page's own format wins
    assert "students" not in formats and "small_n" not in formats and "group" not in formats  # integers as they are
    assert c.percent_column()["type_config"]["format"] == "percent" and c.percent_column()["type_config"]["step"] == 0.001


def test_names_are_plain_text_on_charts() -> None:
    # plotly draws <a href> in categories, texts and legend names: a stored name was a live link
    evil = "<a href='http://evil/x'>x</a>"
    df = pd.DataFrame({"group": [evil, "B"], "overall": [80.0, 70.0], "n": [3, 4]})
    fig = charts.bars(df, "zh", x="group", y=["overall"], y_labels={"overall": evil}, counts="n")
    fig.update_xaxes(tickvals=[evil], ticktext=[evil])
    shown = charts.plain_text(fig)
    assert "<a" not in shown.to_json()
    assert list(shown.data[0].x) == ["&lt;a href='http://evil/x'&gt;x&lt;/a&gt;", "B"]
    assert shown.data[0].name == "&lt;a href='http://evil/x'&gt;x&lt;/a&gt;"
    assert "<br>" in shown.data[0].hovertemplate  # the module's own tags are kept
