"""python -m tools.alt_text --check: every figure cell of a notebook carries its
description (``alt_text`` metadata); the command names each cell that does not."""

from __future__ import annotations

import nbformat
import pytest

from tools import alt_text

pytestmark = pytest.mark.book

PNG = {"image/png": "iVBORw0KGgo="}
ANIMATION = {
    "text/html": '<div><img id="frame" src="data:image/png;base64,AA"></div>'
}


def notebook(path, *cells):
    """A notebook of code cells, each given as (outputs' data, metadata)."""
    nb = nbformat.v4.new_notebook()
    for index, (outputs, metadata) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(f"plot_{index}()", metadata=metadata)
        cell.outputs = [
            nbformat.v4.new_output("display_data", data=data)
            for data in outputs
        ]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def test_described_figures_pass(tmp_path, capsys):
    path = notebook(
        tmp_path / "ok.ipynb",
        (
            [PNG, ANIMATION],
            {
                "alt_text": [
                    "A grid of ten digits.",
                    "An animation of the code moving.",
                ]
            },
        ),
        ([{"text/plain": "42"}], {}),
    )  # no figure, no description needed
    assert alt_text.main(["--check", str(path)]) == 0
    assert "every figure" in capsys.readouterr().out


@pytest.mark.parametrize(
    "metadata, why",
    [
        ({}, "is None"),  # no description
        (
            {"alt_text": ["A grid of ten digits."]},
            "a list of 2 sentence(s)",
        ),  # one of two figures
        (
            {"alt_text": "A grid of ten digits."},
            "a list of 2",
        ),  # a string, not a list
        (
            {"alt_text": ["A grid of ten digits.", "figure_2.png"]},
            "must hold sentences",
        ),
        (
            {"alt_text": ["A grid of ten digits.", "Curves"]},
            "must hold sentences",
        ),
    ],
)
def test_a_figure_without_its_description_fails_naming_the_cell(
    tmp_path, capsys, metadata, why
):
    path = notebook(
        tmp_path / "bad.ipynb",
        ([PNG], {"alt_text": ["A grid of ten digits."]}),
        ([PNG, PNG], metadata),
    )
    assert alt_text.main(["--check", str(path)]) == 1
    error = capsys.readouterr().err
    assert f"{path} cell 1 ('plot_1()')" in error and why in error, error
    assert "cell 0" not in error


def test_problems_validates_its_input():
    with pytest.raises(TypeError, match="dict with 'cells'"):
        alt_text.problems(["not", "a", "notebook"], "x")
