"""The latent-traversal chapter's self-check accepts correct answers and rejects the usual mistakes,
each with a message that names it."""

import numpy as np
import pytest
from keras import ops

from cvae_utils.exercises.latent_traversals import check_traversal_codes

# ---- correct answers -------------------------------------------------------------------------


def traversal_codes(z, dim, offsets):
    codes = np.repeat(z[None, :], len(offsets), axis=0)
    codes[:, dim] = z[dim] + np.asarray(offsets)
    return codes


def traversal_codes_tile(z, dim, offsets):
    codes = np.tile(z, (len(offsets), 1))
    codes[:, dim] += offsets
    return codes


def traversal_codes_ops(z, dim, offsets):
    step = ops.one_hot(dim, z.shape[0])
    return (
        ops.convert_to_tensor(z)[None, :]
        + ops.convert_to_tensor(offsets)[:, None] * step[None, :]
    )


def test_check_accepts_correct_answers(capsys):
    for answer in (traversal_codes, traversal_codes_tile, traversal_codes_ops):
        check_traversal_codes(answer)
    assert capsys.readouterr().out.count("✓") == 3


# ---- wrong answers, and what the check must say ----------------------------------------------


def all_dimensions(z, dim, offsets):  # moves every coordinate
    return z[None, :] + np.asarray(offsets)[:, None]


def around_zero(z, dim, offsets):  # z[dim] = offset instead of z[dim] + offset
    codes = np.tile(z, (len(offsets), 1))
    codes[:, dim] = offsets
    return codes


def one_based(z, dim, offsets):  # dimension counted from 1: moves dim - 1
    codes = np.tile(z, (len(offsets), 1))
    codes[:, dim - 1] += offsets
    return codes


def next_dimension(
    z, dim, offsets
):  # off by one the other way (IndexError at the last one)
    codes = np.tile(z, (len(offsets), 1))
    codes[:, dim + 1] += offsets
    return codes


def in_place(z, dim, offsets):  # writes into the caller's array
    rows = []
    for t in offsets:
        z[dim] += t
        rows.append(z.copy())
    return np.array(rows)


def in_place_correct_rows(
    z, dim, offsets
):  # right result, but the input is left moved
    codes = np.tile(z, (len(offsets), 1))
    codes[:, dim] += offsets
    z[dim] = codes[-1, dim]
    return codes


def scaled(z, dim, offsets):  # multiplies instead of adding
    codes = np.tile(z, (len(offsets), 1))
    codes[:, dim] *= offsets
    return codes


def transposed(z, dim, offsets):
    return traversal_codes(z, dim, offsets).T


def only_the_column(z, dim, offsets):
    return z[dim] + np.asarray(offsets)


def no_return(z, dim, offsets):
    traversal_codes(z, dim, offsets)


def broadcast_view(z, dim, offsets):  # np.broadcast_to is read-only
    codes = np.broadcast_to(z, (len(offsets), len(z)))
    codes[:, dim] += offsets
    return codes


WRONG = [
    (all_dimensions, "every coordinate moved"),
    (around_zero, "around 0"),
    (one_based, "counted from 0"),
    (next_dimension, "counted from 0"),
    (in_place, "in place"),
    (in_place_correct_rows, "in place"),
    (scaled, "multiplied"),
    (transposed, "transposed"),
    (only_the_column, "whole codes"),
    (no_return, "return"),
    (broadcast_view, "read-only"),
]


@pytest.mark.parametrize(
    "answer, message", WRONG, ids=[w[0].__name__ for w in WRONG]
)
def test_check_rejects_wrong_answers_with_a_helpful_message(answer, message):
    with pytest.raises(AssertionError, match=message):
        check_traversal_codes(answer)


def test_check_needs_a_function():
    with pytest.raises(TypeError, match="pass your function"):
        check_traversal_codes(traversal_codes(np.zeros(3), 0, [1.0]))
