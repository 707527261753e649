"""benchmarks.bench_pages_targets' text: the CPU seconds line beside the wall times (no timing)."""

from __future__ import annotations

from benchmarks.bench_pages_targets import cpu_lines


def test_cpu_seconds_per_tree_with_the_metrics_ratio() -> None:
    measured = {
        "after": {
            "metrics_small": {"results": [{"cpu_seconds": 0.5}, {"cpu_seconds": 0.4}, {"cpu_seconds": 0.6}]},
            "metrics_large": {"results": [{"cpu_seconds": 2.2}, {"cpu_seconds": 1.8}, {"cpu_seconds": 2.0}]},
            "overview_small": {"results": [{"warm": 0.1}]},  # a case without CPU seconds: left out
        },
        "before": {"overview_small": {"results": [{}]}},  # no case with CPU seconds: no line
    }
    # medians 0.50 and 2.00: 2.00 ÷ 0.50 = 4.00×
    assert cpu_lines(measured) == ["", "CPU seconds of `after` (every thread), median (min): "
                                   "metrics_small 0.50 (min 0.40; runs 0.50 0.40 0.60); "
                                   "metrics_large 2.00 (min 1.80; runs 2.20 1.80 2.00); metrics 1M ÷ 10k 4.00×."]
