"""Repeating an experiment over seeds: the values of every run and their spread.

A difference between two models is a finding only when it is larger than what
changing the seed alone moves. These two functions make that the easy way to
report a result::

    def run(seed):
        vae = VAE(latent_dim=2)
        vae.compile(optimizer="adam")
        vae.fit(x_train, epochs=10, verbose=0)
        return {"test -ELBO": negative_elbo(vae, x_test)}

    runs = repeat_over_seeds(run, seeds=(0, 1, 2))  # one row per seed
    seed_summary(runs)  # mean, sd, min, max per column

An experiment may also compare several arms in each run: it then returns one
mapping per arm (``{"plain": {...}, "warm-up": {...}}``), and both tables get
one row per arm.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from .._validation import check_bool, check_positive_int, check_seed
from ..config import set_seed

__all__ = ["repeat_over_seeds", "seed_summary"]

STATISTICS = ("mean", "sd", "min", "max", "n")


def _check_values(values, where: str) -> dict:
    """A mapping of metric names to finite numbers."""
    if not isinstance(values, Mapping) or not values:
        raise TypeError(
            f"{where} must be a non-empty dict of metric name -> number, "
            f"got {type(values).__name__}"
        )
    checked = {}
    for name, value in values.items():
        if not isinstance(name, str):
            raise TypeError(
                f"{where}: metric names must be strings, got {name!r}"
            )
        if isinstance(value, bool) or not np.isscalar(value):
            raise TypeError(
                f"{where}[{name!r}] must be a number, "
                f"got {type(value).__name__}"
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{where}[{name!r}] must be a number, got {value!r}"
            ) from None
        if not np.isfinite(number):
            raise ValueError(
                f"{where}[{name!r}] is {number}: a diverged run? "
                "Fix it before averaging over seeds"
            )
        checked[name] = number
    return checked


def _rows(result, seed: int) -> list[dict]:
    """One row per arm (or a single row) from what the experiment returned."""
    where = f"experiment({seed})"
    if (
        isinstance(result, Mapping)
        and result
        and all(isinstance(v, Mapping) for v in result.values())
    ):
        return [
            {
                "arm": str(arm),
                "seed": seed,
                **_check_values(v, f"{where}[{arm!r}]"),
            }
            for arm, v in result.items()
        ]
    return [{"seed": seed, **_check_values(result, where)}]


def _describe(row: dict) -> str:
    """``"arm: metric value, ..."`` for the progress line."""
    values = ", ".join(
        f"{k} {v:.4g}" for k, v in row.items() if k not in ("arm", "seed")
    )
    return f"{row['arm']}: {values}" if "arm" in row else values


def repeat_over_seeds(
    experiment: Callable, seeds=(0, 1, 2), verbose: bool = True
) -> pd.DataFrame:
    """Run ``experiment(seed)`` once per seed, each after ``set_seed(seed)``.

    Args:
        experiment: a function of one integer seed that trains and evaluates,
            returning ``{"metric": number, ...}``, or one such mapping per arm
            of a comparison (``{"arm": {"metric": number}}``).
        seeds: at least two distinct integers >= 0 (three is the course's
            minimum for a comparison).
        verbose: print one line per seed with its values and time.

    Returns:
        A DataFrame of the values, one row per seed (index ``seed``), or per
        arm and seed (index ``(arm, seed)``), columns the metrics.

    Introduced with the "Beyond the tutorials" chapters (the seed tables).
    """
    if not callable(experiment):
        raise TypeError(
            "experiment must be a function of one seed, "
            f"got {type(experiment).__name__}"
        )
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(
            f"seeds must be a list of integers, got {type(seeds).__name__}"
        )
    seeds = [check_seed(s) for s in seeds]
    if None in seeds:
        raise ValueError("seeds must be integers >= 0, not None")
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(
            f"seeds must be at least two distinct integers, got {seeds}"
        )
    verbose = check_bool(verbose, "verbose")
    rows = []
    for seed in seeds:
        start = time.perf_counter()
        set_seed(seed)
        new = _rows(experiment(seed), seed)
        if rows and {k for r in new for k in r} != {
            k for r in rows for k in r
        }:
            raise ValueError(
                f"experiment({seed}) returned other arms or metrics than "
                f"experiment({seeds[0]}): every run must report the same ones"
            )
        rows += new
        if verbose:
            values = "; ".join(_describe(row) for row in new)
            took = time.perf_counter() - start
            print(f"seed {seed}: {values} ({took:.0f} s)", flush=True)
    table = pd.DataFrame(rows)
    index = ["arm", "seed"] if "arm" in table else ["seed"]
    return table.set_index(index)


def seed_summary(
    runs: pd.DataFrame, decimals: int | None = None
) -> pd.DataFrame:
    """Mean, standard deviation (n - 1), minimum and maximum over the seeds.

    Args:
        runs: the table of :func:`repeat_over_seeds` (index ``seed`` or
            ``(arm, seed)``).
        decimals: if given, a table of strings ``"mean ± sd"`` per metric,
            rounded to that many decimals, for a chapter to show.

    Returns:
        One row per arm (or a single row ``all``), columns ``(metric,
        statistic)``; with ``decimals``, columns the metrics.

    Introduced with the "Beyond the tutorials" chapters (the seed tables).
    """
    if not isinstance(runs, pd.DataFrame):
        raise TypeError(
            "runs must be the DataFrame of repeat_over_seeds, "
            f"got {type(runs).__name__}"
        )
    if "seed" not in runs.index.names:
        raise ValueError(
            "runs must be indexed by seed (or by arm and seed), as "
            "repeat_over_seeds returns it"
        )
    if decimals is not None:
        decimals = check_positive_int(decimals, "decimals", minimum=0)
    arms = "arm" in runs.index.names
    groups = runs.groupby(level="arm", sort=False) if arms else [("all", runs)]
    summary = {}
    for arm, part in groups:
        if len(part) < 2:
            raise ValueError(
                f"{arm!r} has {len(part)} run: a spread needs two or more seeds"
            )
        stats = {}
        for metric in part.columns:
            v = part[metric].to_numpy(dtype=float)
            stats.update(
                {
                    (metric, "mean"): v.mean(),
                    (metric, "sd"): v.std(ddof=1),
                    (metric, "min"): v.min(),
                    (metric, "max"): v.max(),
                    (metric, "n"): len(v),
                }
            )
        summary[arm] = stats
    table = pd.DataFrame.from_dict(summary, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.name = "arm" if arms else None
    if decimals is None:
        return table
    return pd.DataFrame(
        {
            metric: [
                f"{m:.{decimals}f} ± {s:.{decimals}f}"
                for m, s in zip(table[(metric, "mean")], table[(metric, "sd")])
            ]
            for metric in runs.columns
        },
        index=table.index,
    )
