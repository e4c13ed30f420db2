"""Time to quality on binarized Fashion-MNIST (latent 2): the book's recipe vs. the reference loop.

The reference is a faithful re-implementation of the training loop of TensorFlow's
"Convolutional Variational Autoencoder" tutorial: conv 32/64 stride-2 encoder, dense 7x7x32 +
transposed-conv decoder, single-sample Monte Carlo ELBO, Adam(1e-4), batch 32, static
binarisation at 0.5, a hand-written GradientTape step — run eagerly, as published
(``tf.config.run_functions_eagerly(True)``), and compiled with ``tf.function``.
The book's recipe is ``cvae_utils.models.VAE(latent_dim=2, architecture="conv")`` trained with
``fit`` (settings in RECIPE below).

Every model is scored after each epoch with the same estimator (test -ELBO: closed-form KL +
one-sample reconstruction, seeded), so the curves compare. The figure of merit is the time each
run needs to reach the -ELBO the tf.function reference has after 10 epochs.

    python -m benchmarks.time_to_quality                 # full Fashion-MNIST (~25 min on 2 CPU cores)
    python -m benchmarks.time_to_quality --eager-epochs 3 --book-epochs 4   # ~15 min: see below
    python -m benchmarks.time_to_quality --subset 6000 --epochs 3   # a quick look

The eager run computes exactly what the tf.function run computes, only slower, so ``--eager-epochs``
may stop it early: its time to the target is then *projected* as (measured seconds per epoch) x
(the epoch at which the tf.function run reached the target), and the table marks it as projected.
Results go to ``benchmarks/results/time_to_quality.json`` and ``.md`` (with the machine's load
average, since other work on the machine slows every run). Besides wall-clock time the script
records CPU time (``time.process_time``, all threads): on a shared machine CPU time is the steadier
clock, so the table gives the speed-up in both.

TensorFlow-specific by design: it measures a TensorFlow tutorial. The package itself is backend-agnostic.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf

from cvae_utils import config
from cvae_utils.data import load_fashion_mnist
from cvae_utils.losses import bernoulli_nll_from_logits, kl_standard_normal
from cvae_utils.models import VAE

from .machine import describe

LATENT_DIM = 2
RECIPE = {"learning_rate": 1e-3, "batch_size": 128, "jit_compile": "auto"}
WALL, CPU = (
    1,
    3,
)  # positions of the two clocks in a curve entry (epoch, wall s, test -ELBO, CPU s)


def test_neg_elbo(encode, decode_logits, x_test, batch_size=1000, seed=0):
    """Mean test -ELBO in nats: one-sample reconstruction + closed-form KL (identical for every run)."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for start in range(0, len(x_test), batch_size):
        x = x_test[start : start + batch_size]
        mean, log_var = (np.asarray(t) for t in encode(x))
        z = mean + np.exp(0.5 * log_var) * rng.standard_normal(
            mean.shape
        ).astype("float32")
        rec = bernoulli_nll_from_logits(tf.constant(x), decode_logits(z))
        total += float(
            np.sum(
                rec
                + kl_standard_normal(tf.constant(mean), tf.constant(log_var))
            )
        )
    return total / len(x_test)


# --- the reference: TensorFlow's CVAE tutorial, re-implemented ------------------------------
def reference_networks(latent_dim=LATENT_DIM):
    encoder = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(64, 3, strides=2, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(latent_dim + latent_dim),
        ]
    )
    decoder = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(7 * 7 * 32, activation="relu"),
            keras.layers.Reshape((7, 7, 32)),
            keras.layers.Conv2DTranspose(
                64, 3, strides=2, padding="same", activation="relu"
            ),
            keras.layers.Conv2DTranspose(
                32, 3, strides=2, padding="same", activation="relu"
            ),
            keras.layers.Conv2DTranspose(1, 3, strides=1, padding="same"),
        ]
    )
    return encoder, decoder


def log_normal_pdf(sample, mean, logvar):
    log2pi = tf.math.log(2.0 * np.pi)
    return tf.reduce_sum(
        -0.5 * ((sample - mean) ** 2.0 * tf.exp(-logvar) + logvar + log2pi),
        axis=1,
    )


def run_reference(x_train, x_test, epochs, eager, seed):
    config.set_seed(seed)
    encoder, decoder = reference_networks()
    optimizer = keras.optimizers.Adam(1e-4)

    def compute_loss(x):
        mean, logvar = tf.split(encoder(x), num_or_size_splits=2, axis=1)
        z = (
            tf.random.normal(shape=tf.shape(mean)) * tf.exp(logvar * 0.5)
            + mean
        )
        x_logit = decoder(z)
        cross_ent = tf.nn.sigmoid_cross_entropy_with_logits(
            logits=x_logit, labels=x
        )
        logpx_z = -tf.reduce_sum(cross_ent, axis=[1, 2, 3])
        logpz = log_normal_pdf(z, 0.0, 0.0)
        logqz_x = log_normal_pdf(z, mean, logvar)
        return -tf.reduce_mean(logpx_z + logpz - logqz_x)

    @tf.function
    def train_step(x):
        with tf.GradientTape() as tape:
            loss = compute_loss(x)
        variables = encoder.trainable_variables + decoder.trainable_variables
        optimizer.apply_gradients(
            zip(tape.gradient(loss, variables), variables, strict=True)
        )

    def encode(x):
        return tf.split(encoder(x, training=False), 2, axis=1)

    dataset = (
        tf.data.Dataset.from_tensor_slices(x_train)
        .shuffle(len(x_train), seed=seed)
        .batch(32)
    )
    tf.config.run_functions_eagerly(eager)
    curve, elapsed, cpu = [], 0.0, 0.0
    try:
        for epoch in range(1, epochs + 1):
            start, cpu_start = time.perf_counter(), time.process_time()
            for batch in dataset:
                train_step(batch)
            elapsed += time.perf_counter() - start
            cpu += time.process_time() - cpu_start
            curve.append(
                (
                    epoch,
                    elapsed,
                    test_neg_elbo(
                        encode, lambda z: decoder(z, training=False), x_test
                    ),
                    cpu,
                )
            )
            print(
                f"  reference ({'eager' if eager else 'tf.function'}) epoch {epoch}: {elapsed:7.1f} s, "
                f"test -ELBO {curve[-1][2]:.2f}",
                flush=True,
            )
    finally:
        tf.config.run_functions_eagerly(False)
    return curve


# --- the book's recipe ----------------------------------------------------------------------
class _Timer(keras.callbacks.Callback):
    def __init__(self, x_test, curve, label):
        super().__init__()
        self.x_test, self.curve, self.label, self.elapsed, self.cpu = (
            x_test,
            curve,
            label,
            0.0,
            0.0,
        )

    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.cpu_start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.elapsed += (
            time.perf_counter() - self.start
        )  # evaluation below is not training time
        self.cpu += time.process_time() - self.cpu_start
        m = self.model
        score = test_neg_elbo(
            lambda x: m.encoder(x, training=False),
            lambda z: m.decoder(z, training=False),
            self.x_test,
        )
        self.curve.append((epoch + 1, self.elapsed, score, self.cpu))
        print(
            f"  {self.label} epoch {epoch + 1}: {self.elapsed:7.1f} s, test -ELBO {score:.2f}",
            flush=True,
        )


def run_book(
    x_train,
    x_test,
    epochs,
    seed,
    learning_rate,
    batch_size,
    jit_compile,
    label="book recipe",
):
    config.set_seed(seed)
    model = VAE(latent_dim=LATENT_DIM, architecture="conv")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), jit_compile=jit_compile
    )
    curve = []
    model.fit(
        x_train,
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
        callbacks=[_Timer(x_test, curve, label)],
    )
    return curve


def time_to_reach(curve, target, clock=WALL):
    """Training seconds (wall-clock, or CPU with clock=CPU) at the first epoch whose test -ELBO is
    <= target; None if never. Curve entries are (epoch, wall seconds, test -ELBO, CPU seconds)."""
    return next((entry[clock] for entry in curve if entry[2] <= target), None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs",
        type=int,
        default=10,
        help="reference epochs (the target is its last epoch)",
    )
    parser.add_argument(
        "--book-epochs",
        type=int,
        default=None,
        help="book recipe epochs (default: same)",
    )
    parser.add_argument(
        "--subset",
        type=int,
        default=None,
        help="training images (default: all 60,000)",
    )
    parser.add_argument(
        "--skip-eager",
        action="store_true",
        help="skip the slow eager reference",
    )
    parser.add_argument(
        "--eager-epochs",
        type=int,
        default=None,
        help="stop the eager reference after this many epochs and project its time (default: --epochs)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("benchmarks/results/time_to_quality.json"),
    )
    args = parser.parse_args(argv)

    for flag in ("epochs", "book_epochs", "eager_epochs", "subset"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            parser.error(
                f"--{flag.replace('_', '-')} must be >= 1, got {value}"
            )
    load_before = os.getloadavg()
    machine_line = (
        machine()
    )  # before any training: the load of other work, not ours
    (x_train, _), (x_test, _) = load_fashion_mnist(
        binarize=True, subset=args.subset
    )
    runs = {}
    print("Reference loop under tf.function:", flush=True)
    runs["reference_tf_function"] = run_reference(
        x_train, x_test, args.epochs, eager=False, seed=args.seed
    )
    if not args.skip_eager:
        eager_epochs = min(args.eager_epochs or args.epochs, args.epochs)
        print(
            f"Reference loop run eagerly (as published), {eager_epochs} epoch(s):",
            flush=True,
        )
        runs["reference_eager"] = run_reference(
            x_train, x_test, eager_epochs, eager=True, seed=args.seed
        )
    print(f"Book recipe {RECIPE}:", flush=True)
    runs["book_recipe"] = run_book(
        x_train, x_test, args.book_epochs or args.epochs, args.seed, **RECIPE
    )

    target = runs["reference_tf_function"][-1][2]
    target_epoch = next(
        entry[0]
        for entry in runs["reference_tf_function"]
        if entry[2] <= target
    )
    summary = {}
    for name, curve in runs.items():
        summary[name] = {"curve": curve, "projected": False}
        for clock, key in ((WALL, "s"), (CPU, "cpu_s")):
            per_epoch = curve[-1][clock] / len(curve)
            reach = time_to_reach(curve, target, clock)
            if (
                reach is None and name == "reference_eager"
            ):  # same computation as tf.function, stopped early
                reach, summary[name]["projected"] = (
                    per_epoch * target_epoch,
                    True,
                )
            reference = time_to_reach(
                runs["reference_tf_function"], target, clock
            )
            summary[name].update(
                {
                    f"{key}_per_epoch": per_epoch,
                    f"time_to_target_{key}": reach,
                    f"speedup_{key}": reference / reach if reach else None,
                }
            )
    speedup, cpu_speedup = (
        summary["book_recipe"]["speedup_s"],
        summary["book_recipe"]["speedup_cpu_s"],
    )
    verdict = (
        f"The book recipe reaches the target {speedup:.2f}x sooner than the tf.function reference in "
        f"wall-clock time ({cpu_speedup:.2f}x in CPU time); target >= 3x: "
        f"{'met' if speedup >= 3 else 'NOT met'}."
        if speedup
        else "The book recipe did not reach the target within its epochs (target >= 3x: NOT met)."
    )
    load_after = os.getloadavg()
    table = (
        markdown_table(summary, target, args, machine_line, load_after)
        + "\n"
        + verdict
    )
    print("\n" + table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "target_neg_elbo": target,
                "recipe": RECIPE,
                "subset": args.subset,
                "machine": machine_line,
                "load_average": [load_before, load_after],
                "runs": summary,
            },
            indent=1,
        )
    )
    args.out.with_suffix(".md").write_text(table + "\n")


def machine() -> str:
    return (
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {describe()}"
    )


def markdown_table(summary, target, args, machine_line, load_after) -> str:
    names = {
        "reference_tf_function": "TF tutorial loop, tf.function",
        "reference_eager": "TF tutorial loop, eager",
        "book_recipe": "book recipe (VAE conv, fit, Adam 1e-3, batch 128)",
    }
    data = (
        f"{args.subset:,} training images"
        if args.subset
        else "all 60,000 training images"
    )
    lines = [
        f"Binarized Fashion-MNIST ({data}, 10,000 test), latent 2, seed {args.seed}. Machine at the start: "
        f"{machine_line}; load average {load_after[0]:.2f} at the end.",
        "",
        f"Target: the tf.function reference's test -ELBO after {args.epochs} epochs = {target:.2f} nats.",
        "",
        "| run | epochs | s/epoch | CPU s/epoch | test -ELBO per epoch | time to target (s) | "
        "speed-up vs tf.function | speed-up in CPU time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in summary.items():
        curve = ", ".join(f"{entry[2]:.1f}" for entry in run["curve"])
        reach = (
            "never"
            if run["time_to_target_s"] is None
            else f"{run['time_to_target_s']:.0f}"
        )
        if run["projected"]:
            reach += " (projected)"
        ratio, cpu_ratio = (
            f"{run[k]:.2f}x" if run[k] else "-"
            for k in ("speedup_s", "speedup_cpu_s")
        )
        lines.append(
            f"| {names[name]} | {len(run['curve'])} | {run['s_per_epoch']:.1f} | {run['cpu_s_per_epoch']:.1f} | "
            f"{curve} | {reach} | {ratio} | {cpu_ratio} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
