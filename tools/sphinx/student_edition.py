"""Sphinx extension: make sphinx-exercise's ``hide_solutions = True`` a complete student edition.

With ``hide_solutions`` set, sphinx-exercise (1.2) drops ``{solution}`` directives, but for the
gated form it drops only the ``{solution-start}`` marker: the cells between start and end stay
on the page, and the orphaned ``{solution-end}`` node stops the HTML build with
"NotImplementedError: ... unknown node type: solution_end_node". This extension

1. removes a gated solution whole - ``{solution-start}``, every cell up to ``{solution-end}``
   (code cells and their outputs included) and the end marker - before the page is written;
2. renders each notebook chapter from its student notebook (tools/student_notebooks.py), so the
   page shows exactly what a student sees: the cells to fill in (``raise NotImplementedError``),
   no committed outputs under the self-checks, and wording for an edition without solutions;
3. replaces each notebook's copy in ``_sources/`` (what the page's download button serves) with
   the chapter's student notebook (tools/student_notebooks.py): solutions cut out, a cell to fill
   in per exercise, the self-checks' committed outputs cleared - the same notebook that the
   "Open in Colab" button opens on the ``student`` branch (set in _config_student.yml).

With ``hide_solutions = False`` (the full book) it changes nothing. The marking of solutions
(``GATE``, ``SOLUTION_BLOCK``) and :func:`strip_solutions` live in tools/student_notebooks.py, so
the student site and the student notebooks cannot disagree about what a solution is.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

# Sphinx puts only tools/sphinx on sys.path: the repository root, for tools.*
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools import student_notebooks  # noqa: E402 - after the path

logger = logging.getLogger(__name__)


strip_solutions = student_notebooks.strip_solutions


class hidden_solution_start(nodes.Element):
    """Where a gated solution began; removed with the solution before anything is written."""


def _solution_start_directive():
    from sphinx_exercise.directive import SolutionStartDirective

    class StudentSolutionStart(SolutionStartDirective):
        """sphinx-exercise's ``solution-start`` that leaves a marker when solutions are hidden."""

        def run(self):
            result = (
                super().run()
            )  # keeps sphinx-exercise's bookkeeping of start/end pairs
            if self.env.app.config.hide_solutions:
                return [hidden_solution_start()]
            return result

    return StudentSolutionStart


class RemoveHiddenGatedSolutions(SphinxTransform):
    """Cut every hidden gated solution: its marker, the siblings after it and its end node."""

    default_priority = 5  # after sphinx-exercise checks the start/end pairs (1), before it merges them (10)

    def apply(self):
        from sphinx_exercise.nodes import solution_end_node

        for marker in list(self.document.findall(hidden_solution_start)):
            parent = marker.parent
            start = parent.index(marker)
            end = next(
                (
                    i
                    for i in range(start + 1, len(parent))
                    if isinstance(parent[i], solution_end_node)
                ),
                None,
            )
            if end is None:
                logger.warning(
                    "solution-start without a matching solution-end at the same level; "
                    "only the marker was removed",
                    location=marker,
                )
                end = start
            del parent[start : end + 1]


def _render_student_notebook(app, docname, source):
    """source-read: a notebook page of the student edition is its student notebook."""
    if not app.config.hide_solutions:
        return
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    notebook = nbformat.reads(source[0], as_version=4)
    relative = Path(docname + path.suffix).as_posix()
    source[0] = nbformat.writes(
        student_notebooks.student_notebook(notebook, relative)
    )


def _write_student_sources(app, exception):
    if (
        exception is not None
        or not app.config.hide_solutions
        or app.builder.format != "html"
    ):
        return
    sources = Path(app.outdir) / "_sources"
    for docname in app.env.found_docs:
        path = Path(app.env.doc2path(docname))
        target = sources / (docname + path.suffix)
        if path.suffix != ".ipynb" or not target.exists():
            continue
        notebook = nbformat.read(path, as_version=4)
        relative = Path(docname + path.suffix).as_posix()
        nbformat.write(
            student_notebooks.student_notebook(notebook, relative), target
        )


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_node(hidden_solution_start)
    app.add_directive(
        "solution-start", _solution_start_directive(), override=True
    )
    app.add_transform(RemoveHiddenGatedSolutions)
    app.connect("source-read", _render_student_notebook)
    app.connect("build-finished", _write_student_sources)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
