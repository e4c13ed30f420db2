"""Execute a notebook in a fresh kernel of this Python (nbclient): the one
runner behind tools.run_notebook, benchmarks.book_time and tools.grade.

    run = execute("chapters/04_vae.ipynb", fast=True, save_to=None)
    run.notebook, run.wall_s, run.cpu_s

The kernel is ipykernel on this interpreter (as nbval's
``--nbval-current-env``), not whatever kernel is installed as ``python3``,
so a notebook runs with the packages of the environment that runs it.
Saved outputs are tidied for readers: TensorFlow's C++ start-up log lines are
dropped and consecutive stream outputs of a cell are merged into one
(nbconvert's ``CoalesceStreamsPreprocessor``), so a cell's log is one box on
the page, not one box per flush. tools/grade.py drives the kernel cell by
cell (its own time limits and verdicts) through :func:`client`.
"""

from __future__ import annotations

import os
import re
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

# TensorFlow's C++ start-up log lines (absl/oneDNN) reach the kernel's
# stderr; they say nothing to a reader, so saved outputs drop them.
NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog"
    r"|[IWE]\d{4} \d\d:\d\d:\d\d)"
)


def drop_backend_noise(nb) -> None:
    """Remove TensorFlow's start-up log lines from every stderr output."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if (
                out.get("output_type") == "stream"
                and out.get("name") == "stderr"
            ):
                lines = out["text"].splitlines(keepends=True)
                out["text"] = "".join(x for x in lines if not NOISE.match(x))
                if not out["text"].strip():
                    continue
            kept.append(out)
        cell.outputs = kept


def tidy_outputs(nb) -> None:
    """Drop backend noise, then merge each cell's consecutive streams."""
    drop_backend_noise(nb)
    CoalesceStreamsPreprocessor().preprocess(nb, {})


def kernel_manager():
    """A kernel manager that starts ipykernel with this interpreter."""
    import ipykernel.kernelspec
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class CurrentEnvironment(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    # asynchronous, as nbclient's own default: with a blocking client its
    # time limits do not work
    return AsyncKernelManager(
        kernel_name="python3", kernel_spec_manager=CurrentEnvironment()
    )


def client(notebook, km, *, cwd, cell_timeout, **options):
    """An nbclient NotebookClient for ``notebook`` on the kernel manager
    ``km``, run in the folder ``cwd`` with ``cell_timeout`` seconds per
    cell; ``options`` go to NotebookClient (e.g. ``allow_errors``)."""
    from nbclient import NotebookClient

    return NotebookClient(
        notebook,
        km=km,
        timeout=int(cell_timeout),
        startup_timeout=120,
        resources={"metadata": {"path": str(cwd)}},
        **options,
    )


def shutdown(nb_client, km) -> None:
    """Stop the client's channels and the kernel (the kernel is reaped, so
    its CPU time counts in ``resource.RUSAGE_CHILDREN``)."""
    from nbclient.util import run_sync

    if nb_client.kc is not None:
        nb_client.kc.stop_channels()
    if km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Run:
    """An executed notebook, its wall-clock and its kernel's CPU seconds."""

    notebook: nbformat.NotebookNode
    wall_s: float
    cpu_s: float


def execute(
    path,
    *,
    fast: bool | None = None,
    timeout: float = 3600,
    cell_timeout: float = 3600,
    env: dict | None = None,
    save_to=None,
) -> Run:
    """Run the notebook at ``path`` top to bottom in a fresh kernel.

    ``fast`` sets CVAE_FAST for the kernel (None: as in this environment);
    ``env`` adds variables to this environment's for the kernel. A cell that
    raises stops the run (nbclient's CellExecutionError); so does a cell
    that runs longer than ``cell_timeout`` seconds or past ``timeout``
    seconds for the whole notebook (TimeoutError). The file is not changed
    unless ``save_to`` names where to write the executed notebook (tidied).
    """
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(
            f"path must be an existing .ipynb file, got {str(path)!r}"
        )
    if fast is not None and not isinstance(fast, bool):
        raise TypeError(f"fast must be True, False or None, got {fast!r}")
    if not (timeout > 0 and cell_timeout > 0):
        raise ValueError(
            f"timeout and cell_timeout must be positive "
            f"seconds, got {timeout} and {cell_timeout}"
        )
    kernel_env = {**os.environ, **(env or {})}
    if fast is not None:
        kernel_env["CVAE_FAST"] = "1" if fast else "0"
    nb = nbformat.read(path, as_version=4)
    km = kernel_manager()
    nb_client = client(
        nb, km, cwd=path.resolve().parent, cell_timeout=cell_timeout
    )
    start, cpu = time.perf_counter(), _children_cpu_seconds()
    try:
        with nb_client.setup_kernel(env=kernel_env):
            deadline = time.monotonic() + timeout
            for index, cell in enumerate(nb.cells):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{path}: stopped at cell {index}, "
                        f"after the limit of {timeout:g} s"
                    )
                nb_client.timeout = max(1, int(min(cell_timeout, remaining)))
                nb_client.execute_cell(cell, index)
    finally:
        shutdown(nb_client, km)
    wall, cpu = time.perf_counter() - start, _children_cpu_seconds() - cpu
    if save_to is not None:
        tidy_outputs(nb)
        nbformat.write(nb, save_to)
    return Run(nb, wall, cpu)
