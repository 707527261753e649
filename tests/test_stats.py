"""stats.py against hand arithmetic and against statsmodels over a grid with 0, n and tiny n."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from statsmodels.stats import proportion as sm

from analytics import stats

GRID = [(k, n) for n in (1, 2, 3, 5, 10, 37, 200) for k in sorted({0, 1, n // 2, n - 1, n}) if 0 <= k <= n]


@pytest.mark.parametrize(("k", "n"), GRID)
def test_wilson_matches_statsmodels(k: int, n: int) -> None:
    low, high = stats.wilson_interval(k, n)
    ref_low, ref_high = sm.proportion_confint(k, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)


def test_wilson_by_hand() -> None:
    # k=0, n=1, z²=3.841459: center = (0 + 1.920729)/(4.841459) = 0.396725,
    # half = 1.959964*sqrt(0 + 3.841459/4)/4.841459 = 1.959964*0.979982/4.841459 = 0.396725
    # -> [0, 0.793451]
    low, high = stats.wilson_interval(0, 1)
    assert low == 0.0
    assert high == pytest.approx(0.7934507, abs=1e-7)
    assert stats.wilson_interval(0, 0) == (None, None)


@pytest.mark.parametrize(
    ("k", "n", "value", "small"),
    [
        (0, 0, None, True),
        (3, 4, 0.75, True),  # 3/4
        (9, 10, 0.9, False),  # 9/10, n=10 is not below 10
    ],
)
def test_rate(k: int, n: int, value: float | None, small: bool) -> None:
    r = stats.rate(k, n)
    assert (r.numerator, r.denominator, r.value, r.small_n) == (k, n, value, small)
    assert set(r.as_dict()) == {"value", "numerator", "denominator", "ci_low", "ci_high", "small_n"}


def test_add_rate_columns_matches_scalar() -> None:
    df = pd.DataFrame({"group": list("abcde"), "numerator": [0, 1, 5, 10, 0], "denominator": [0, 1, 10, 10, 3]})
    out = stats.add_rate_columns(df, small_n=5)
    for row in out.itertuples():
        r = stats.rate(row.numerator, row.denominator, small_n=5)
        if r.value is None:
            assert math.isnan(row.rate) and math.isnan(row.ci_low) and math.isnan(row.ci_high)
        else:
            assert row.rate == pytest.approx(r.value)
            assert row.ci_low == pytest.approx(r.ci_low, abs=1e-12)
            assert row.ci_high == pytest.approx(r.ci_high, abs=1e-12)
        assert row.small_n == r.small_n
    assert list(out["small_n"]) == [True, True, False, False, True]


PAIRS = [
    (k1, n1, k2, n2)
    for (n1, n2) in ((1, 1), (1, 2), (2, 2), (5, 3), (10, 12), (50, 80))
    for k1 in sorted({0, n1 // 2, n1})
    for k2 in sorted({0, (n2 + 1) // 2, n2})
]


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), PAIRS)
def test_newcombe_matches_statsmodels(k1: int, n1: int, k2: int, n2: int) -> None:
    low, high = stats.newcombe_interval(k1, n1, k2, n2)
    ref_low, ref_high = sm.confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), PAIRS)
def test_p_value_matches_statsmodels_score_test(k1: int, n1: int, k2: int, n2: int) -> None:
    # statsmodels' score test without the Miettinen-Nurminen n/(n-1) variance correction
    # (method="score", correction=False) at value 0 is exactly the pooled two-proportion z-test.
    p = stats.two_proportion_p(k1, n1, k2, n2)
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        assert p is None
        return
    ref = sm.test_proportions_2indep(
        k1, n1, k2, n2, method="score", compare="diff", correction=False
    ).pvalue
    assert p == pytest.approx(ref, abs=1e-12)


def test_compare_by_hand() -> None:
    # group 30/50 = 0.6, baseline 20/50 = 0.4: diff 0.2 (20 pp), relative 0.6/0.4 - 1 = 0.5;
    # pooled p = 50/100 = 0.5, se = sqrt(0.25*(2/50)) = 0.1, z = 2, p = erfc(2/sqrt 2) = 0.0455003
    c = stats.compare(stats.rate(30, 50), stats.rate(20, 50))
    assert c.diff == pytest.approx(0.2)
    assert c.relative == pytest.approx(0.5)
    assert c.p_value == pytest.approx(0.0455003, abs=1e-7)
    d = c.as_dict()
    assert d["value"] == pytest.approx(0.5) and d["diff_pp"] == pytest.approx(20.0)
    assert d["group"]["numerator"] == 30 and d["baseline"]["denominator"] == 50


@pytest.mark.parametrize(
    ("group", "baseline"),
    [((3, 5), (0, 0)), ((0, 0), (3, 5)), ((3, 5), (0, 4))],
)
def test_compare_undefined(group: tuple[int, int], baseline: tuple[int, int]) -> None:
    c = stats.compare(stats.rate(*group), stats.rate(*baseline))
    assert c.relative is None  # baseline missing or zero
    if baseline[1] == 0 or group[1] == 0:
        assert c.diff is None and c.ci_low is None and c.p_value is None


@pytest.mark.parametrize(
    ("xs", "ys", "expected"),
    [
        ([2022, 2023, 2024], [60.0, 65.0, 70.0], 5.0),  # exact line, +5 per year
        # x̄=2023, ȳ=(60+70+62)/3=64; Sxy = (-1)(-4)+0+(1)(-2) = 2; Sxx = 2 -> 1.0
        ([2022, 2023, 2024], [60.0, 70.0, 62.0], 1.0),
        ([2022, 2022], [1.0, 2.0], None),  # one distinct x
        ([2022, 2023, 2024], [60.0, None, 70.0], 5.0),  # missing y left out: (70-60)/2
        ([], [], None),
    ],
)
def test_slope_per_year(xs: list[int], ys: list[float | None], expected: float | None) -> None:
    got = stats.slope_per_year(xs, ys)
    assert got == (None if expected is None else pytest.approx(expected))


# -- Mantel–Haenszel, chi-square tail, direction, difference-in-differences, clusters -------------


@pytest.mark.parametrize(("x", "df"), [(x, df) for df in (1, 2, 3, 4, 7, 10, 35) for x in (0.001, 0.5, 3.84, 12.0, 60.0)])
def test_chi2_sf_matches_scipy(x: float, df: int) -> None:
    from scipy.stats import chi2

    assert stats.chi2_sf(x, df) == pytest.approx(chi2.sf(x, df), rel=1e-10, abs=1e-300)


def test_chi2_sf_edges() -> None:
    assert stats.chi2_sf(0.0, 3) == 1.0
    # df 2: exp(-x/2) exactly; x = 2 ln 20 -> 0.05
    assert stats.chi2_sf(2 * math.log(20), 2) == pytest.approx(0.05)
    with pytest.raises(ValueError):
        stats.chi2_sf(1.0, 0)


@pytest.mark.parametrize(
    ("low", "high", "word"),
    [(0.01, 0.2, "up"), (-0.3, -0.001, "down"), (-0.1, 0.1, "similar"), (0.0, 0.2, "similar"),
     (None, 0.1, None), (float("nan"), 0.1, None)],
)
def test_direction(low, high, word) -> None:
    assert stats.direction(low, high) == word


STRATA_SETS = [
    # (a, n1, c, n0) per stratum
    [(30, 40, 12, 30), (14, 20, 16, 40), (9, 12, 5, 11)],
    [(36, 40, 9, 10), (4, 10, 16, 40)],  # the confounded program: no difference within a stratum
    [(5, 5, 3, 7), (0, 4, 1, 9), (12, 15, 20, 30), (7, 7, 6, 6)],  # all-pass and all-fail cells
    [(50, 80, 40, 90)],  # one stratum: MH = crude
]


@pytest.mark.parametrize("rows", STRATA_SETS)
def test_mantel_haenszel_matches_statsmodels(rows) -> None:
    import numpy as np
    from statsmodels.stats.contingency_tables import StratifiedTable

    mh = stats.mantel_haenszel([stats.Stratum(*r) for r in rows])
    tables = [np.array([[a, n1 - a], [c, n0 - c]], dtype=float) for a, n1, c, n0 in rows]
    ref = StratifiedTable(tables)
    assert mh.rr == pytest.approx(ref.riskratio_pooled)
    assert mh.or_ == pytest.approx(ref.oddsratio_pooled)
    assert mh.p_value == pytest.approx(ref.test_null_odds(correction=False).pvalue)
    if len(rows) > 1 and mh.homogeneity_df == len(rows) - 1:
        bd = ref.test_equal_odds(adjust=True)
        if not math.isnan(bd.statistic):
            assert mh.homogeneity == pytest.approx(bd.statistic)
            assert mh.homogeneity_p == pytest.approx(bd.pvalue)


def test_mantel_haenszel_by_hand() -> None:
    # The confounded program: easy major E (dual 36/40, others 9/10 = 90% each) and hard major
    # H (dual 4/10, others 16/40 = 40% each). Within each major the difference is 0.
    # w_E = 40·10/50 = 8, w_H = 10·40/50 = 8; RD = Σ w·0 / 16 = 0.
    # Var = [(36·4·10³ + 9·1·40³)/(40·10·50²) + (4·6·40³ + 16·24·10³)/(10·40·50²)] / 16²
    #     = [(144,000 + 576,000)/1,000,000 + (1,536,000 + 384,000)/1,000,000] / 256 = 2.64/256
    # RR = (36·10/50 + 4·40/50) / (9·40/50 + 16·10/50) = (7.2 + 3.2)/(7.2 + 3.2) = 1
    mh = stats.mantel_haenszel([stats.Stratum(36, 40, 9, 10), stats.Stratum(4, 10, 16, 40)])
    half = stats.Z95 * math.sqrt(2.64 / 256)
    assert (mh.rd, mh.rd_low, mh.rd_high) == (0.0, pytest.approx(-half), pytest.approx(half))
    assert (mh.rr, mh.relative, mh.or_) == (1.0, 0.0, 1.0)
    # ln RR variance: P = Σ (n1·n0·(a+c) − a·c·N)/N² = (400·45 − 324·50)/2500 + (400·20 − 64·50)/2500
    #   = (18,000 − 16,200)/2500 + (8,000 − 3,200)/2500 = 0.72 + 1.92 = 2.64; R = S = 10.4
    se = math.sqrt(2.64 / (10.4 * 10.4))
    assert (mh.rr_low, mh.rr_high) == (pytest.approx(math.exp(-stats.Z95 * se)), pytest.approx(math.exp(stats.Z95 * se)))
    assert mh.p_value == pytest.approx(1.0) and mh.homogeneity == pytest.approx(0.0)
    assert (mh.strata, mh.informative) == (2, 2)
    # A stratum with one group only carries no information; none at all: no estimate
    assert stats.mantel_haenszel([stats.Stratum(3, 4, 0, 0), stats.Stratum(36, 40, 9, 10)]).informative == 1
    empty = stats.mantel_haenszel([stats.Stratum(3, 4, 0, 0)])
    assert (empty.rd, empty.rr, empty.informative) == (None, None, 0)


def test_diff_in_diff_by_hand() -> None:
    # treated 40% -> 70%, control 50% -> 55%: (0.7 - 0.4) - (0.55 - 0.5) = 0.25;
    # SE = sqrt(0.4·0.6/50 + 0.7·0.3/50 + 0.5·0.5/100 + 0.55·0.45/100)
    #    = sqrt(0.0048 + 0.0042 + 0.0025 + 0.002475) = sqrt(0.013975) = 0.118216
    r = stats.rate
    did = stats.diff_in_diff(r(20, 50), r(35, 50), r(50, 100), r(55, 100))
    se = math.sqrt(0.013975)
    assert did["value"] == pytest.approx(0.25)
    assert (did["ci_low"], did["ci_high"]) == (pytest.approx(0.25 - stats.Z95 * se), pytest.approx(0.25 + stats.Z95 * se))
    assert did["p_value"] == pytest.approx(math.erfc(0.25 / se / math.sqrt(2)))
    assert stats.diff_in_diff(r(0, 0), r(1, 2), r(1, 2), r(1, 2))["value"] is None
