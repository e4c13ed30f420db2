"""The verdicts of benchmarks/book_time.py: its table compares the measured totals with the targets."""

from __future__ import annotations

from benchmarks.book_time import CHAPTER_TARGET_S, TARGETS_S, table


def entry(seconds, cpu=None, complete=True):
    result = {
        "date": "2026-01-01",
        "machine": "test machine",
        "load_after": 0.5,
        "complete": complete,
        "seconds": seconds,
    }
    if cpu is not None:
        result["cpu_seconds"] = cpu
    return result


def test_a_total_under_the_target_is_met_and_one_over_it_is_not():
    limit = TARGETS_S["full"]
    text = table(
        {
            "fast": entry({"a.ipynb": 100.0, "b.ipynb": 50.0}),
            "full": entry({"a.ipynb": limit - 10.0, "b.ipynb": 20.0}),
        }
    )
    assert "fast mode total 2.5 min wall-clock (target <= 8 min: met)" in text
    assert (
        f"full mode total {(limit + 10) / 60:.1f} min wall-clock (target <= 30 min: NOT met)"
        in text
    )
    assert "| **total** | **150** | **1810** |" in text


def test_cpu_columns_appear_only_for_modes_that_measured_them():
    text = table(
        {
            "fast": entry({"a.ipynb": 60.0}),
            "full": entry({"a.ipynb": 600.0}, cpu={"a.ipynb": 900.0}),
        }
    )
    assert (
        "| chapter | fast mode (s) | full mode (s) | full mode, CPU (s) |"
        in text
    )
    assert "| a.ipynb | 60 | 600 | 900 |" in text
    assert "15.0 CPU-minutes" in text


def test_an_interrupted_run_gets_no_verdict():
    text = table({"full": entry({"a.ipynb": 30.0}, complete=False)})
    assert "interrupted after 1 chapters" in text
    assert "met" not in text


def test_every_chapter_must_stay_under_the_chapter_target_in_full_mode():
    limit = CHAPTER_TARGET_S["full"]
    assert "every chapter <= 5 min: met" in table(
        {"full": entry({"a.ipynb": limit, "b.ipynb": 10.0})}
    )
    text = table({"full": entry({"a.ipynb": limit + 1.0, "b.ipynb": 10.0})})
    assert (
        f"every chapter <= 5 min: NOT met (a.ipynb {limit + 1:.0f} s)" in text
    )
    assert "every chapter" not in table(
        {"fast": entry({"a.ipynb": 10 * limit})}
    )
