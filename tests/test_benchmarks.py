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
        f"full mode total {(limit + 10) / 60:.1f} min wall-clock "
        f"(target <= {limit / 60:.0f} min: NOT met)" in text
    )
    assert f"| **total** | **150** | **{limit + 10:.0f}** |" in text


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


def test_speed_levers_table_gives_each_lever_its_speed_up_against_the_books_setting():
    import pytest

    from benchmarks.speed_levers import BASELINE
    from benchmarks.speed_levers import table as levers_table

    results = {
        "date": "2026-01-01",
        "machine": "test machine",
        "seconds": {
            "tensorflow": {BASELINE: 3.0, "batch 256": 2.0},
            "jax": {BASELINE: 1.5},
        },
    }
    text = levers_table(results)
    assert f"| tensorflow | {BASELINE} | 3.00 | 1.00× |" in text
    assert "| tensorflow | batch 256 | 2.00 | 1.50× |" in text
    assert f"| jax | {BASELINE} | 1.50 | 2.00× |" in text
    del results["seconds"]["tensorflow"]
    with pytest.raises(ValueError, match="TensorFlow"):
        levers_table(results)
