"""The Lighthouse benchmark's figures and table, on a fixture report (no browser)."""

from __future__ import annotations

import pytest

from benchmarks.lighthouse import median_run, meets_targets, summarize, table


def report(
    performance=0.93,
    accessibility=1.0,
    lcp_ms=2100.0,
    total_bytes=1_500_000,
    requests=12,
):
    """The parts of a Lighthouse 12 JSON report that the benchmark reads."""
    return {
        "categories": {
            "performance": {"score": performance},
            "accessibility": {"score": accessibility},
        },
        "audits": {
            "largest-contentful-paint": {"numericValue": lcp_ms},
            "total-byte-weight": {"numericValue": total_bytes},
            "network-requests": {"details": {"items": [{}] * requests}},
        },
    }


def test_summarize_reads_scores_paint_bytes_and_requests():
    row = summarize(report())
    assert row == {
        "performance": 93,
        "accessibility": 100,
        "lcp_s": 2.1,
        "bytes": 1_500_000,
        "requests": 12,
    }


def test_summarize_rejects_what_is_not_a_report():
    with pytest.raises(ValueError, match="Lighthouse"):
        summarize({"lhr": {}})


@pytest.mark.parametrize(
    "change",
    [
        {"performance": 0.89},
        {"accessibility": 0.98},
        {"total_bytes": 2_000_001},
    ],
)
def test_a_page_missing_any_target_is_marked(change):
    assert meets_targets(summarize(report()))
    row = summarize(report(**change))
    assert not meets_targets(row)
    assert "**missed**" in table({"intro": row})


def test_a_page_without_a_performance_score_misses_the_target():
    assert not meets_targets(summarize(report(performance=None)))


def test_table_has_one_row_per_page_with_its_figures():
    text = table(
        {
            "intro": summarize(report()),
            "chapters/04_vae": summarize(
                report(
                    performance=0.3,
                    lcp_ms=38_000,
                    total_bytes=7_000_000,
                    requests=40,
                )
            ),
        }
    )
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[2] == "| intro | 93 |  | 100 | 2.1 | 1,465 | 12 | met |"
    assert lines[3] == (
        "| chapters/04_vae | 30 |  | 100 | 38.0 | 6,836 | 40 | **missed** |"
    )


def test_the_median_run_is_kept_with_every_runs_score():
    runs = [
        summarize(report(performance=0.95, lcp_ms=2000.0)),
        summarize(report(performance=0.81, lcp_ms=3500.0)),
        summarize(report(performance=0.92, lcp_ms=2400.0)),
    ]
    row = median_run(runs)
    assert row["performance"] == 92 and row["lcp_s"] == 2.4
    assert row["runs"] == [95, 81, 92]
    assert "| intro | 92 | 95, 81, 92 | 100 | 2.4 |" in table({"intro": row})
    # an even number of runs: the lower middle one (never the kinder)
    assert median_run(runs[:2])["performance"] == 81


def test_failed_runs_are_left_out_of_the_median():
    good = summarize(report(performance=0.9))
    row = median_run([{"error": "Chrome crashed"}, good])
    assert row["performance"] == 90 and row["runs"] == [90]
    assert median_run([{"error": "Chrome crashed"}]) == {
        "error": "Chrome crashed"
    }
    with pytest.raises(TypeError, match="non-empty list"):
        median_run([])


def test_a_failed_measurement_is_shown_as_an_error():
    text = table({"api": {"error": "Chrome did not start"}})
    assert "error: Chrome did not start" in text


def test_table_rejects_a_list():
    with pytest.raises(TypeError, match="dict"):
        table([summarize(report())])
