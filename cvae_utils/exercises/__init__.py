"""Self-checks for the exercises: each ``check_*`` function runs a student's answer against a
reference on known inputs and prints what is right, or raises AssertionError saying what is wrong.

One module per chapter (e.g. ``cvae_utils.exercises.vae``); they share :func:`report`.
"""

from __future__ import annotations

import numpy as np
from keras import ops


def report(name: str, ok: bool, detail: str = "") -> bool:
    """Print a one-line verdict; raise AssertionError (with the detail) when ``ok`` is False."""
    if not ok:
        raise AssertionError(f"✗ {name}: not yet. {detail}".rstrip())
    print(f"✓ {name}: correct. {detail}".rstrip())
    return True


def close(a, b, atol: float = 1e-4, rtol: float = 1e-4) -> bool:
    """True when arrays a and b have the same shape and match within tolerance."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol))


def require_callable(fn, example: str) -> None:
    """TypeError unless ``fn`` is a function (a common slip: passing its result instead)."""
    if not callable(fn):
        raise TypeError(f"pass your function itself, e.g. {example}, not {type(fn).__name__}")


def as_numpy_result(value, name: str, what: str = "an array", dtype="float64") -> np.ndarray:
    """A learner's return value as NumPy (``dtype=None`` keeps its type), or a verdict saying what
    came back instead."""
    if value is None:
        report(name, False, "your function returned None - did you forget `return`?")
    if isinstance(value, (tuple, list, dict)):
        report(name, False, f"your function returned a {type(value).__name__}; return {what}")
    try:
        return np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        report(name, False, f"could not read your result as numbers ({exc})")
