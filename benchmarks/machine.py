"""What the benchmarks ran on: CPU model, core count, load and a speed reference.

Times depend on the machine and on what else runs on it, so every benchmark table states them:
the load average before and after, and :func:`matmul_gflops`, the float32 matrix-product speed
measured just before (a shared or throttled machine shows up as a lower figure).
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np


def cpu_name() -> str:
    """The CPU's model name where Linux exposes it, else the architecture, plus the core count."""
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def matmul_gflops(n: int = 1024, repeats: int = 7) -> float:
    """Best-of-``repeats`` speed of an n x n float32 matrix product in NumPy, in GFLOP/s."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype("float32")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def describe(load_before=None) -> str:
    """One line for a results table: CPU, speed reference and load average."""
    load = os.getloadavg()[0] if load_before is None else load_before
    return f"{cpu_name()}, CPU only; float32 matmul {matmul_gflops():.0f} GFLOP/s; load average {load:.2f}"
