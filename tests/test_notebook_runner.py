"""tools/notebook_runner.py: the one runner of tools.run_notebook,
benchmarks.book_time and tools.grade."""

from __future__ import annotations

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tools import notebook_runner, run_notebook

pytestmark = pytest.mark.book

NOISE = "I0000 00:00:1796409434.114374   15340 port.cc:153] oneDNN custom operations are on.\n"


def small(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A title")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def test_execute_runs_in_a_fresh_kernel_with_its_settings(tmp_path):
    path = small(
        tmp_path / "nb.ipynb",
        "import os, sys\nprint(os.environ['CVAE_FAST'], os.environ['EXTRA'])\n"
        f"sys.stderr.write({NOISE!r}); sys.stderr.flush()\nprint('second line')",
        "sum(range(2_000_000))",
    )
    before = path.read_text()
    run = notebook_runner.execute(path, fast=True, env={"EXTRA": "x"})
    assert path.read_text() == before  # no save_to: the file stays as it was
    streams = run.notebook.cells[1].outputs
    assert (
        "".join(o["text"] for o in streams if o["name"] == "stdout")
        == "1 x\nsecond line\n"
    )
    assert any(
        "oneDNN" in o["text"] for o in streams if o["name"] == "stderr"
    )  # as it ran
    assert (
        run.wall_s > 0 and run.cpu_s > 0
    )  # the kernel's CPU time, once it exited
    saved = tmp_path / "saved.ipynb"
    notebook_runner.execute(
        path, fast=False, env={"EXTRA": "y"}, save_to=saved
    )
    outputs = nbformat.read(saved, as_version=4).cells[1].outputs
    # tidied: TensorFlow's log line dropped, the two prints one stream
    assert [(o["name"], o["text"]) for o in outputs] == [
        ("stdout", "0 y\nsecond line\n")
    ]


def test_a_failing_cell_and_the_time_limits_stop_the_run(tmp_path):
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        notebook_runner.execute(small(tmp_path / "error.ipynb", "1 / 0"))
    slow = small(
        tmp_path / "slow.ipynb",
        "import time",
        "time.sleep(2)",
        "time.sleep(2)",
        "time.sleep(60)",
    )
    with pytest.raises(
        TimeoutError
    ):  # the cell that runs out of the notebook's time, or the next
        notebook_runner.execute(slow, timeout=3, cell_timeout=60)


def test_run_notebook_executes_in_place(tmp_path, capsys):
    path = small(tmp_path / "nb.ipynb", "print(6 * 7)")
    assert run_notebook.main([str(path)]) == 0
    assert "executed in" in capsys.readouterr().out
    assert (
        nbformat.read(path, as_version=4).cells[1].outputs[0]["text"] == "42\n"
    )


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"path": "missing.ipynb"}, ValueError),
        ({"fast": 1}, TypeError),
        ({"timeout": 0}, ValueError),
    ],
)
def test_execute_validates_its_input(tmp_path, kwargs, error):
    arguments = {"path": small(tmp_path / "nb.ipynb", "1")} | kwargs
    with pytest.raises(error):
        notebook_runner.execute(arguments.pop("path"), **arguments)
