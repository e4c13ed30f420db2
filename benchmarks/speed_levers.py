"""What makes the book's training fast or slow on a CPU: seconds per epoch of one model under each lever.

    python -m benchmarks.speed_levers            # ~4 min on 2 cores; all three backends
    python -m benchmarks.speed_levers --backends tensorflow

The model is the chapters' dense VAE (16-D code) on the course's 8,000 binarized MNIST digits, and the
autoregressive VAE of chapter 10 for the levers that concern it. Each lever changes one thing against
the book's setting (TensorFlow, batch 128, NumPy arrays handed to ``fit``):

- ``steps_per_execution=32``: Keras runs 32 training steps per call from Python;
- ``batch 256``: half as many steps, each twice as large;
- ``jit_compile=True``: XLA compiles the training step (TensorFlow only; JAX always compiles);
- ``tf.data`` input: a shuffled, batched and prefetched ``tf.data.Dataset`` instead of NumPy arrays;
- the backend itself (JAX, PyTorch) for the dense model.

Every backend runs in a subprocess of its own (Keras picks its backend once per process). The time of an
epoch is the median of three epochs after one warm-up epoch, which compiles the step. The table gives
each lever's seconds per epoch and its speed-up against the book's setting, measured in the same run;
it goes to ``benchmarks/results/speed_levers.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.machine import describe

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "speed_levers"
BACKENDS = ("tensorflow", "jax", "torch")
BASELINE = "dense VAE, batch 128 (the book's setting)"


def _levers(backend: str) -> list[tuple[str, str, dict]]:
    """(name, model, options) of every lever this backend can run."""
    levers = [
        (BASELINE, "dense", {}),
        (
            "dense VAE, steps_per_execution=32",
            "dense",
            {"steps_per_execution": 32},
        ),
        ("dense VAE, batch 256", "dense", {"batch_size": 256}),
    ]
    if backend == "torch":  # PyTorch refuses steps_per_execution > 1
        levers.pop(1)
    if backend == "tensorflow":
        levers += [
            ("dense VAE, jit_compile=True", "dense", {"jit_compile": True}),
            ("dense VAE, tf.data input", "dense", {"tf_data": True}),
            ("autoregressive VAE, batch 128", "autoregressive", {}),
            (
                "autoregressive VAE, jit_compile=True",
                "autoregressive",
                {"jit_compile": True},
            ),
        ]
    return levers


def _epoch_seconds(kind: str, options: dict, x, epochs: int = 3) -> float:
    import keras

    from cvae_utils import VAE, AutoregressiveVAE, config

    config.set_seed()
    model = (
        VAE(latent_dim=16)
        if kind == "dense"
        else AutoregressiveVAE(latent_dim=16)
    )
    compile_options = {
        k: options[k]
        for k in ("steps_per_execution", "jit_compile")
        if k in options
    }
    model.compile(optimizer=keras.optimizers.Adam(1e-3), **compile_options)
    batch_size = options.get("batch_size", 128)
    data = x
    if options.get("tf_data"):
        import tensorflow as tf

        data = (
            tf.data.Dataset.from_tensor_slices(x)
            .shuffle(len(x), seed=0)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE)
        )
    times = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    fit_options = {} if options.get("tf_data") else {"batch_size": batch_size}
    model.fit(
        data, epochs=epochs + 1, verbose=0, callbacks=[Clock()], **fit_options
    )
    return statistics.median(times[1:])  # the first epoch also compiles


def worker(backend: str) -> dict:
    """Seconds per epoch of every lever of ``backend`` (run in its own process)."""
    from cvae_utils import load_mnist

    (x, _), _ = load_mnist(binarize=True, verbose=False)
    return {
        name: round(_epoch_seconds(kind, options, x), 3)
        for name, kind, options in _levers(backend)
    }


def table(results: dict) -> str:
    """The markdown table: one row per (backend, lever), with the speed-up."""
    if "tensorflow" not in results["seconds"]:
        raise ValueError("the speed-ups are against TensorFlow's baseline")
    base = results["seconds"]["tensorflow"][BASELINE]
    lines = [
        f"- measured {results['date']}: {results['machine']}",
        "- data: 8,000 binarized MNIST digits; 16-D code; median of 3 "
        "epochs after a warm-up epoch",
        "",
        "| backend | lever | s per epoch | speed-up against the book's setting |",
        "|---|---|---|---|",
    ]
    for backend, levers in results["seconds"].items():
        for name, seconds in levers.items():
            ratio = base / seconds
            lines.append(
                f"| {backend} | {name} | {seconds:.2f} | {ratio:.2f}× |"
            )
    lines.append(
        "\nThe autoregressive rows compare with the dense baseline too; "
        "between themselves, divide their two times."
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    unknown = set(args.backends) - set(BACKENDS)
    if unknown or "tensorflow" not in args.backends:
        parser.error(
            f"--backends takes {', '.join(BACKENDS)} and needs tensorflow "
            f"(the baseline); got {args.backends}"
        )
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": describe(),
        "seconds": {},
    }
    for backend in args.backends:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.speed_levers",
                "--worker",
                backend,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "KERAS_BACKEND": backend},
        )
        if run.returncode != 0:
            print(f"{backend}: failed\n{run.stderr[-2000:]}", file=sys.stderr)
            continue
        results["seconds"][backend] = json.loads(run.stdout.splitlines()[-1])
        print(f"{backend}: {results['seconds'][backend]}", flush=True)
    text = table(results)
    print(text)
    OUT.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    OUT.with_suffix(".md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
