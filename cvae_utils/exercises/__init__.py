"""Self-checks for the exercises: each ``check_*`` function runs a student's answer against a
reference on known inputs and prints what is right, or raises AssertionError saying what is wrong.

One module per chapter (e.g. ``cvae_utils.exercises.vae``); they share :func:`report`.
"""

from __future__ import annotations

import numpy as np


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
