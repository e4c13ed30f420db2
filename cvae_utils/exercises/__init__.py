"""Self-checks for the exercises: each ``check_*`` function runs a student's answer against a
reference on known inputs and prints what is right, or raises AssertionError saying what is wrong.
A check returns None, so the cell that runs it shows its verdict and no stray return value.

One module per chapter (e.g. ``cvae_utils.exercises.vae``); they share :func:`report`.
"""

from __future__ import annotations

import json
import os

import numpy as np
from keras import ops


def report(name: str, ok: bool, detail: str = "") -> bool:
    """Print a one-line verdict; raise AssertionError (with the detail) when ``ok`` is False.

    When the environment variable ``CVAE_GRADE_LOG`` names a file, the verdict is also appended
    to it as one JSON line ``{"name", "ok", "message"}``: the grader (``python -m tools.grade``)
    collects the self-checks' results that way. What is printed does not change.
    """
    message = (
        f"✓ {name}: correct. {detail}"
        if ok
        else f"✗ {name}: not yet. {detail}"
    ).rstrip()
    log = os.environ.get("CVAE_GRADE_LOG")
    if log:
        try:
            with open(log, "a", encoding="utf-8") as file:
                file.write(
                    json.dumps(
                        {"name": str(name), "ok": bool(ok), "message": message}
                    )
                    + "\n"
                )
        except (
            OSError
        ):  # a log that cannot be written must not break the learner's check
            pass
    if not ok:
        raise AssertionError(message)
    print(message)
    return True


def close(a, b, atol: float = 1e-4, rtol: float = 1e-4) -> bool:
    """True when arrays a and b have the same shape and match within tolerance."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol))


def require_callable(fn, example: str) -> None:
    """TypeError unless ``fn`` is a function (a common slip: passing its result instead)."""
    if not callable(fn):
        raise TypeError(
            f"pass your function itself, e.g. {example}, not {type(fn).__name__}"
        )


def as_numpy_result(
    value,
    name: str,
    what: str = "an array",
    dtype="float64",
    lists: bool = False,
) -> np.ndarray:
    """A learner's return value as NumPy (``dtype=None`` keeps its type), or a verdict saying what
    came back instead. ``lists`` accepts a list or tuple of numbers too."""
    if value is None:
        report(
            name,
            False,
            "your function returned None - did you forget `return`?",
        )
    if isinstance(value, dict) or (
        isinstance(value, (tuple, list)) and not lists
    ):
        report(
            name,
            False,
            f"your function returned a {type(value).__name__}; return {what}",
        )
    try:
        return np.asarray(
            ops.convert_to_numpy(value) if ops.is_tensor(value) else value,
            dtype=dtype,
        )
    except (TypeError, ValueError) as exc:
        report(name, False, f"could not read your result as numbers ({exc})")


def per_class_means_verdict(
    name: str, got, values, labels, num_classes: int, what: str, atol: float
) -> None:
    """The verdict on a learner's per-class means of ``values`` (one row per class, in class order),
    naming the usual mistakes: the mean of everything, sums, a class mixed up. Shared by chapter 02
    (mean images) and chapter 09 (mean losses)."""
    values = np.asarray(values, dtype="float64")
    expected = np.stack(
        [values[labels == c].mean(axis=0) for c in range(num_classes)]
    )
    if got.shape != expected.shape:
        return report(
            name,
            False,
            f"expected shape {expected.shape} (one entry per class), got {got.shape}",
        )
    if close(
        got, np.broadcast_to(values.mean(axis=0), expected.shape), atol=atol
    ):
        return report(
            name,
            False,
            f"every class got the mean of ALL {what}: select class c with values[labels == c]",
        )
    if close(
        got,
        np.stack(
            [values[labels == c].sum(axis=0) for c in range(num_classes)]
        ),
        atol=atol,
    ):
        return report(
            name,
            False,
            f"these are sums per class, so they are wrong: divide by the number of {what} "
            f"of the class",
        )
    if not close(got, expected, atol=atol):
        wrong = [
            c
            for c in range(num_classes)
            if not close(got[c], expected[c], atol=atol)
        ]
        return report(
            name,
            False,
            f"the means of classes {wrong} are wrong (max error "
            f"{float(np.abs(got - expected).max()):.3g}); entry c is the mean over the "
            f"{what} whose label is c",
        )
    report(
        name,
        True,
        f"{num_classes} classes with unbalanced, shuffled labels, shape {got.shape}",
    )
