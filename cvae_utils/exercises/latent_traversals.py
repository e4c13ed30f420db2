"""Chapter 11, "What the latent code means": exercise self-check.

- :func:`check_traversal_codes`: the latent codes of a traversal - one code ``z`` with a single
  coordinate moved by each offset (prints "✓ ..." when right, raises AssertionError saying what is wrong).
"""

from __future__ import annotations

import numpy as np

from ..evaluate import traversal_codes as _reference
from . import as_numpy_result, close, report, require_callable

__all__ = ["check_traversal_codes"]

# A 5-D code with no zero coordinate (so "around 0" and "around z" differ), the first, a middle and the
# last dimension (so an index off by one is caught, or falls off the end), and offsets that are not
# symmetric (so a traversal that ignores them cannot pass); never as many offsets as dimensions, so a
# transposed result has the wrong shape.
_CODE = np.array([0.5, -1.2, 2.0, 0.3, -0.7], dtype="float32")
_CASES = (
    (2, np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0], dtype="float32")),
    (0, np.array([-1.5, 0.5, 3.0], dtype="float32")),
    (4, np.array([-1.0, 0.25], dtype="float32")),
)


def _rounded(values) -> list:
    """Values as a short list for a message (float32 0.3 printed as 0.3, not 0.30000001192092896)."""
    return [round(float(v), 4) for v in np.asarray(values).ravel()]


def _diagnose(got, z, dim, offsets) -> str:
    """A hint for a wrong result of the expected shape, naming the mistake it matches."""
    k, d = len(offsets), len(z)
    if close(got, np.repeat(z[None], k, axis=0) + offsets[:, None]):
        return (
            "every coordinate moved: add the offsets to column dim only, z[dim] + offsets, and keep the "
            "other coordinates at their values in z"
        )
    around_zero = np.repeat(z[None], k, axis=0)
    around_zero[:, dim] = offsets
    if close(got, around_zero):
        return (
            f"column {dim} holds the offsets themselves, a traversal around 0: the traversal starts from the "
            f"code, so column {dim} must be z[{dim}] + offsets = {_rounded(z[dim] + offsets)}"
        )
    for other in (dim - 1, dim + 1):
        if 0 <= other < d and close(got, _reference(z, other, offsets)):
            return (
                f"you moved dimension {other} instead of {dim}: dimensions are counted from 0, as the "
                f"columns of z_mean (z[:, {dim}] is dimension {dim})"
            )
    scaled = np.repeat(z[None], k, axis=0)
    scaled[:, dim] = z[dim] * offsets
    if close(got, scaled):
        return f"column {dim} was multiplied by the offsets; add them instead: z[{dim}] + offsets"
    changed = np.flatnonzero(np.any(np.abs(got - z[None]) > 1e-6, axis=0))
    if changed.size and not np.array_equal(changed, [dim]):
        return f"the columns that differ from z are {changed.tolist()}; only column {dim} may change"
    return f"row k must be z with z[{dim}] + offsets[k] in column {dim}"


def check_traversal_codes(traversal_codes) -> None:
    """Check ``traversal_codes(z, dim, offsets)``: for one code ``z`` of shape (d,), the array of shape
    (len(offsets), d) whose row k is ``z`` with ``z[dim] + offsets[k]`` in column ``dim`` (counted from 0),
    every other coordinate unchanged and ``z`` itself left as it was."""
    name = "traversal_codes"
    require_callable(traversal_codes, "check_traversal_codes(traversal_codes)")
    d = len(_CODE)
    for dim, offsets in _CASES:
        z, offs = _CODE.copy(), offsets.copy()
        call = f"traversal_codes(z, dim={dim}, offsets={offsets.tolist()}) for the {d}-D code z = {_rounded(_CODE)}"
        try:
            result = traversal_codes(z, dim, offs)
        except IndexError as exc:
            report(
                name,
                False,
                f"{call} raised IndexError ({exc}): dimensions are counted from 0, so the last of "
                f"{d} dimensions is {d - 1} - is an index off by one?",
            )
        except Exception as exc:  # noqa: BLE001 - any error of the learner's code is reported, not raised
            report(name, False, f"{call} raised {type(exc).__name__}: {exc}")
        if not np.array_equal(z, _CODE) or not np.array_equal(offs, offsets):
            report(
                name,
                False,
                f"{call} changed its input z in place (now {_rounded(z)}): the code is "
                f"an image's posterior mean that later cells still use - work on a copy, "
                f"e.g. np.repeat(z[None], len(offsets), axis=0) or np.tile",
            )
        got = as_numpy_result(
            result, name, what=f"an array of shape ({len(offsets)}, {d})"
        )
        expected = _reference(_CODE, dim, offsets)
        if got.shape == expected.shape[::-1] and got.shape != expected.shape:
            report(
                name,
                False,
                f"{call} returned shape {got.shape}; expected {expected.shape}, one row per offset "
                f"(your array looks transposed)",
            )
        if got.shape == (len(offsets),):
            report(
                name,
                False,
                f"{call} returned shape {got.shape}: return whole codes, shape {expected.shape}, "
                f"not only the moved coordinate",
            )
        if got.shape != expected.shape:
            report(
                name,
                False,
                f"{call} returned shape {got.shape}; expected {expected.shape} (one code per offset)",
            )
        if not close(got, expected, atol=1e-5):
            report(
                name, False, f"{call}: {_diagnose(got, _CODE, dim, offsets)}."
            )
    report(
        name,
        True,
        f"row k is z with z[dim] + offsets[k] in column dim, the other {d - 1} coordinates "
        f"and your input unchanged (dimensions 0, 2 and {d - 1} of a {d}-D code)",
    )
