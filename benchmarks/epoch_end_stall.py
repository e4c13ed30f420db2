"""Does ``fit`` on NumPy arrays stall at each epoch's end on TensorFlow, and what does it cost?

Keras feeds NumPy arrays to the TensorFlow backend through a ``tf.data`` pipeline with autotuning
on. Earlier versions of this package switched autotuning off by patching a private Keras class
(to avoid an idle wait when an epoch's iterator is destroyed); the patch is gone, because the
package uses public API only. This script measures what that costs, with public API on both sides:

- ``numpy``: ``model.fit(x, ...)`` as the chapters do (Keras' own pipeline, autotuning on);
- ``tf.data, autotune off``: the same images as a ``tf.data.Dataset`` (shuffled and batched the
  same way) with ``options.autotune.enabled = False`` — what the patch did.

For each it prints the median seconds per epoch and the median gap between one epoch's last
batch and the next epoch's first (the stall), and the ratio of the two runs within this run.

    python -m benchmarks.epoch_end_stall                     # conv VAE, 8,000 digits, 4 epochs
    python -m benchmarks.epoch_end_stall --architecture dense --epochs 6
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras

from cvae_utils import VAE, config, load_mnist

from .machine import describe


class _Clock(keras.callbacks.Callback):
    """Seconds from one epoch's start to the next one's (everything included), and the gap between
    one epoch's last batch and the next epoch's start (where an idle wait would show)."""

    def __init__(self):
        super().__init__()
        self.epochs, self.tails, self.start, self.last_batch = (
            [],
            [],
            None,
            None,
        )

    def on_epoch_begin(self, epoch, logs=None):
        now = time.perf_counter()
        if self.start is not None:
            self.epochs.append(now - self.start)
            self.tails.append(now - self.last_batch)
        self.start = now

    def on_train_batch_end(self, batch, logs=None):
        self.last_batch = time.perf_counter()


def run(
    x, architecture: str, epochs: int, batch_size: int, dataset: bool
) -> _Clock:
    config.set_seed(0)
    model = VAE(latent_dim=2, architecture=architecture)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    clock = _Clock()
    if dataset:
        import tensorflow as tf

        options = tf.data.Options()
        options.autotune.enabled = False
        data = (
            tf.data.Dataset.from_tensor_slices(x)
            .shuffle(len(x), seed=0)
            .batch(batch_size)
            .with_options(options)
        )
        model.fit(
            data,
            epochs=epochs + 2,
            shuffle=False,
            verbose=0,
            callbacks=[clock],
        )
    else:
        model.fit(
            x,
            epochs=epochs + 2,
            batch_size=batch_size,
            verbose=0,
            callbacks=[clock],
        )
    clock.epochs, clock.tails = (
        clock.epochs[1:],
        clock.tails[1:],
    )  # epoch 1 traces the step; the last has no successor
    return clock


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--architecture", choices=["dense", "conv"], default="conv"
    )
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent / "results" / "epoch_end_stall.md",
        help="the table for the results page",
    )
    args = parser.parse_args(argv)
    if keras.backend.backend() != "tensorflow":
        raise SystemExit(
            "this benchmark measures the TensorFlow backend's input pipeline"
        )
    (x, _), _ = load_mnist(binarize=True, verbose=False)
    header = (
        f"{args.architecture} VAE, {len(x):,} images, batch {args.batch_size}, median of {args.epochs} "
        f"epochs; {describe()}; {datetime.date.today().isoformat()}"
    )
    rows = {}
    for name, dataset in (
        ("numpy (fit on arrays, as the chapters)", False),
        ("tf.data, autotune off", True),
    ):
        clock = run(
            x, args.architecture, args.epochs, args.batch_size, dataset
        )
        rows[name] = (
            statistics.median(clock.epochs),
            statistics.median(clock.tails),
        )
        print(
            f"{name:40s} {rows[name][0]:6.2f} s/epoch   end-of-epoch gap {rows[name][1]:5.2f} s"
        )
    (a, _), (b, _) = rows.values()
    print(
        f"ratio numpy / autotune off: {a / b:.3f} (the cost of leaving Keras' default)"
    )
    table = [
        "| input | s/epoch | gap after the last batch (s) |",
        "|---|---|---|",
    ]
    table += [
        f"| {name} | {sec:.2f} | {gap:.2f} |"
        for name, (sec, gap) in rows.items()
    ]
    args.out.write_text(
        f"{header}\n\n"
        + "\n".join(table)
        + f"\n\nRatio of the two: {a / b:.3f}.\n"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
