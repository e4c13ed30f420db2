"""Seeded training is reproducible: ``cvae_utils.config.set_seed`` then a compiled ``fit`` gives
bit-identical weights and losses, in the same process and in a fresh one (same machine, same
versions), on whichever Keras backend runs the tests.

The fresh processes matter: a learner re-running a chapter starts a new kernel. Bit-identity is
not expected across machines: the number of CPU threads (TensorFlow uses one per core) and the
CPU's instruction set change the floating-point summation order (see README, "Full mode and fast
mode").
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from cvae_utils import config
from cvae_utils.models import VAE

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURES = ("dense", "conv")


def train(architecture: str, seed: int) -> dict:
    """A seeded short training (64 synthetic images, 2 epochs of 4 shuffled steps, compiled):
    a fingerprint of its final weights and its per-epoch losses."""
    config.set_seed(seed)
    rng = np.random.default_rng(
        0
    )  # the data is the same in every run, whatever the seed
    x = (rng.random((64, 28, 28, 1)) < 0.2).astype("float32")
    model = VAE(latent_dim=2, architecture=architecture)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3)
    )  # compiled: run_eagerly is False
    history = model.fit(x, epochs=2, batch_size=16, verbose=0)
    weights = b"".join(
        np.ascontiguousarray(keras.ops.convert_to_numpy(w)).tobytes()
        for w in model.weights
    )
    return {
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "loss": [float(v) for v in history.history["loss"]],
    }


def fingerprints(seed: int = 42) -> dict:
    return {
        architecture: train(architecture, seed)
        for architecture in ARCHITECTURES
    }


def fingerprints_in_a_fresh_process(seed: int = 42) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }  # this checkout's cvae_utils
    run = subprocess.run(
        [sys.executable, __file__, str(seed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def in_process():
    """Seed 42 twice for each architecture, then seed 43 (the dense model: training costs time)."""
    return {
        "first": fingerprints(42),
        "again": fingerprints(42),
        "other seed": {"dense": train("dense", 43)},
    }


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_same_seed_gives_identical_weights_in_one_process(
    in_process, architecture
):
    assert (
        in_process["again"][architecture] == in_process["first"][architecture]
    )


def test_another_seed_gives_other_weights(in_process):
    """The check can see a difference: the seed is used, and the fingerprint is not constant."""
    first, other = (
        in_process["first"]["dense"],
        in_process["other seed"]["dense"],
    )
    assert (
        first["weights_sha256"] != other["weights_sha256"]
        and first["loss"] != other["loss"]
    )


def test_the_same_seed_gives_identical_weights_in_fresh_processes():
    first, second = (
        fingerprints_in_a_fresh_process(),
        fingerprints_in_a_fresh_process(),
    )
    assert second == first, (
        f"two fresh processes, same seed, different training:\n{first}\n{second}"
    )


if __name__ == "__main__":  # one fresh process: print the fingerprints as JSON
    print(json.dumps(fingerprints(int(sys.argv[1]))))
