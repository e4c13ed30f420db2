"""Unit tests of cvae_utils.evaluate.seeds: an experiment repeated over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cvae_utils import repeat_over_seeds, seed_summary


def noisy(seed):
    """A stand-in experiment: its value depends on the global seed only."""
    return {"loss": float(np.random.normal()), "fixed": 2.0}


def test_each_run_is_seeded_so_a_repeat_gives_the_same_table():
    """Bug caught: set_seed not called before each run (a seed then changes
    nothing, and a repeat differs)."""
    first = repeat_over_seeds(noisy, seeds=(3, 4, 5), verbose=False)
    second = repeat_over_seeds(noisy, seeds=(3, 4, 5), verbose=False)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.index) == [3, 4, 5]
    assert first.index.name == "seed"
    assert first["loss"].nunique() == 3, "different seeds, different values"
    np.random.seed(3)
    assert first.loc[3, "loss"] == pytest.approx(np.random.normal())


def test_the_summary_is_mean_sample_sd_min_max_and_count():
    runs = pd.DataFrame(
        {"seed": [0, 1, 2], "nll": [10.0, 12.0, 17.0]}
    ).set_index("seed")
    s = seed_summary(runs)
    assert s.loc["all", ("nll", "mean")] == pytest.approx(13.0)
    # n - 1 in the denominator: sqrt(((-3)^2 + (-1)^2 + 4^2) / 2)
    assert s.loc["all", ("nll", "sd")] == pytest.approx(np.sqrt(13.0))
    assert s.loc["all", ("nll", "min")] == 10.0
    assert s.loc["all", ("nll", "max")] == 17.0
    assert s.loc["all", ("nll", "n")] == 3
    shown = seed_summary(runs, decimals=1)
    assert shown.loc["all", "nll"] == "13.0 ± 3.6"


def test_arms_get_a_row_each_in_the_order_the_experiment_gave_them():
    def compare(seed):
        return {
            "warm-up": {"rate": 5.0 + seed, "D": 100.0},
            "plain": {"rate": 1.0 + seed, "D": 110.0 - seed},
        }

    runs = repeat_over_seeds(compare, seeds=(0, 2), verbose=False)
    assert runs.index.names == ["arm", "seed"]
    assert runs.loc[("plain", 2), "rate"] == 3.0
    s = seed_summary(runs)
    assert list(s.index) == ["warm-up", "plain"]
    assert s.loc["warm-up", ("rate", "mean")] == 6.0
    assert s.loc["plain", ("D", "sd")] == pytest.approx(
        np.std([110, 108], ddof=1)
    )
    assert seed_summary(runs, 2).loc["plain", "rate"] == "2.00 ± 1.41"


def test_progress_is_one_line_per_seed(capsys):
    repeat_over_seeds(lambda seed: {"acc": 0.5}, seeds=(0, 1))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("seed 1: acc 0.5 (")


@pytest.mark.parametrize(
    "experiment, seeds, error, message",
    [
        ("run", (0, 1), TypeError, "experiment must be a function"),
        (noisy, 3, TypeError, "seeds must be a list"),
        (noisy, (0,), ValueError, "at least two distinct"),
        (noisy, (1, 1), ValueError, "at least two distinct"),
        (noisy, (0, -1), ValueError, "seed"),
        (noisy, (0, 1.0), TypeError, "seed"),
        (lambda s: 3.0, (0, 1), TypeError, "dict of metric name"),
        (lambda s: {}, (0, 1), TypeError, "non-empty dict"),
        (lambda s: {"a": "x"}, (0, 1), TypeError, r"\['a'\] must be a number"),
        (lambda s: {"a": True}, (0, 1), TypeError, "must be a number"),
        (lambda s: {"a": np.nan}, (0, 1), ValueError, "diverged"),
        (lambda s: {1: 2.0}, (0, 1), TypeError, "names must be strings"),
        (
            lambda s: {"a": 1.0} if s == 0 else {"b": 1.0},
            (0, 1),
            ValueError,
            "same ones",
        ),
    ],
)
def test_bad_experiments_and_seeds_are_refused(
    experiment, seeds, error, message
):
    with pytest.raises(error, match=message):
        repeat_over_seeds(experiment, seeds=seeds, verbose=False)


def test_summary_refuses_what_is_not_a_seed_table():
    with pytest.raises(TypeError, match="DataFrame"):
        seed_summary({"a": [1, 2]})
    with pytest.raises(ValueError, match="indexed by seed"):
        seed_summary(pd.DataFrame({"a": [1.0, 2.0]}))
    one = pd.DataFrame({"seed": [0], "a": [1.0]}).set_index("seed")
    with pytest.raises(ValueError, match="two or more seeds"):
        seed_summary(one)
    runs = pd.DataFrame({"seed": [0, 1], "a": [1.0, 2.0]}).set_index("seed")
    with pytest.raises(ValueError, match="decimals"):
        seed_summary(runs, decimals=-1)
