"""Run mode and training settings, read from the environment in one place.

Full mode (default) is what a learner runs and what the committed notebook outputs show.
Fast mode (``CVAE_FAST=1``) runs the same cells with fewer epochs and a data subset so the
whole book executes in CI within minutes on two CPU cores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import keras

from ._validation import check_positive_int

__all__ = [
    "DEFAULT_SEED",
    "book_seed",
    "describe",
    "is_fast",
    "set_seed",
    "settings",
]

DEFAULT_SEED = 42


def book_seed() -> int:
    """The seed of this run of the book: ``CVAE_SEED`` if set, else 42.

    ``CVAE_SEED=43`` repeats a chapter's experiments under another seed
    (``python -m benchmarks.seeds`` does that for three seeds).

    Introduced in chapter 00, *Setting up*.
    """
    text = os.environ.get("CVAE_SEED", "").strip()
    if not text:
        return DEFAULT_SEED
    if not text.isdigit():
        raise ValueError(
            f"CVAE_SEED must be a non-negative integer, got {text!r}"
        )
    return int(text)


def is_fast() -> bool:
    """True when ``CVAE_FAST`` is set to a true value ("1", "true", "yes").

    Introduced in chapter 00, *Setting up*.
    """
    return os.environ.get("CVAE_FAST", "0").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


@dataclass(frozen=True)
class Settings:
    """Training settings a chapter reads instead of hard-coding numbers.

    Introduced in chapter 00, *Setting up*.
    """

    mode: str  # "full" or "fast"
    epochs: int  # default number of epochs of a model's training run
    batch_size: int
    train_subset: int | None  # number of training images (None = all)
    test_subset: int | None  # number of test images (None = all)

    def pick(self, full, fast):
        """Return ``full`` in full mode and ``fast`` in fast mode (for chapter-specific values)."""
        return fast if self.mode == "fast" else full


FULL = Settings(
    mode="full", epochs=30, batch_size=128, train_subset=None, test_subset=None
)
FAST = Settings(
    mode="fast", epochs=2, batch_size=128, train_subset=2000, test_subset=500
)


def settings() -> Settings:
    """The settings of the current mode (re-read from the environment on every call).

    Introduced in chapter 00, *Setting up*.
    """
    return FAST if is_fast() else FULL


def set_seed(seed: int | None = None) -> None:
    """Seed Python, NumPy and the Keras backend so a run is reproducible.

    ``seed=None`` uses :func:`book_seed` (42 unless ``CVAE_SEED`` is set).

    After ``set_seed(seed)`` the same code gives bit-identical weights and losses, in the same
    process or a fresh one, on the same machine with the same versions
    (tests/test_reproducibility.py). On another machine the last digits can differ: TensorFlow's
    CPU kernels add up numbers in an order that depends on the number of threads (one per core)
    and on the CPU's instruction set (AVX2, AVX-512). Pinning one thread would remove the first
    cause at about twice the time per epoch, so it is not done here.

    Introduced in chapter 00, *Setting up*.
    """
    global _last_seed
    seed = book_seed() if seed is None else seed
    seed = check_positive_int(seed, "seed", minimum=0)
    keras.utils.set_random_seed(seed)
    _last_seed = seed


_last_seed: int | None = (
    None  # the seed of the last set_seed call, for describe()
)


def describe() -> str:
    """One line saying which mode, seed and backend this run uses.

    Introduced in chapter 00, *Setting up*.
    """
    s = settings()
    seed = "not set" if _last_seed is None else _last_seed
    return (
        f"mode: {s.mode} (epochs={s.epochs}, batch_size={s.batch_size}, "
        f"train_subset={s.train_subset or 'all'}), seed {seed}, Keras {keras.__version__} "
        f"on backend '{keras.backend.backend()}'"
    )
