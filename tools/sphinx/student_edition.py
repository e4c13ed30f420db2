"""Sphinx extension: make sphinx-exercise's ``hide_solutions = True`` a complete student edition.

With ``hide_solutions`` set, sphinx-exercise (1.2) drops ``{solution}`` directives, but for the
gated form it drops only the ``{solution-start}`` marker: the cells between start and end stay
on the page, and the orphaned ``{solution-end}`` node stops the HTML build with
"NotImplementedError: ... unknown node type: solution_end_node". This extension

1. removes a gated solution whole - ``{solution-start}``, every cell up to ``{solution-end}``
   (code cells and their outputs included) and the end marker - before the page is written;
2. replaces each notebook's copy in ``_sources/`` (what the page's download button serves) with
   one whose solution cells and ``{solution}`` blocks are cut out, so a downloaded notebook has
   the exercises and self-checks but no answers.

With ``hide_solutions = False`` (the full book) it changes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

# ```{solution} ...``` or :::{solution} ... ::: (any fence length; the closing fence matches the opening one)
_SOLUTION_BLOCK = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n?", re.M | re.S)
_GATE = re.compile(r"^(`{3,}|:{3,})\{solution-(start|end)\}", re.M)


class hidden_solution_start(nodes.Element):
    """Where a gated solution began; removed with the solution before anything is written."""


def _solution_start_directive():
    from sphinx_exercise.directive import SolutionStartDirective

    class StudentSolutionStart(SolutionStartDirective):
        """sphinx-exercise's ``solution-start`` that leaves a marker when solutions are hidden."""

        def run(self):
            result = super().run()  # keeps sphinx-exercise's bookkeeping of start/end pairs
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
            end = next((i for i in range(start + 1, len(parent))
                        if isinstance(parent[i], solution_end_node)), None)
            if end is None:
                logger.warning("solution-start without a matching solution-end at the same level; "
                               "only the marker was removed", location=marker)
                end = start
            del parent[start:end + 1]


def strip_solutions(notebook: dict) -> dict:
    """A copy of a notebook (nbformat 4 JSON) without solutions.

    Drops everything from a ``{solution-start}`` directive through its ``{solution-end}``
    directive (whole code cells included; text before the start or after the end in the same
    markdown cell stays) and cuts ``{solution}`` blocks out of markdown cells. Outputs of the
    remaining code cells are kept.
    """
    cells, inside, closing = [], False, None
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            if not inside:
                cells.append(cell)
            continue
        source = "".join(cell.get("source", ""))
        kept = []
        for line in source.splitlines(keepends=True):
            if closing is not None:  # the closing fence of a {solution-end} directive
                if line.strip() == closing:
                    closing = None
                continue
            gate = _GATE.match(line)
            if gate and gate.group(2) == "start":
                inside = True
            elif gate and gate.group(2) == "end":
                inside, closing = False, gate.group(1)
            elif not inside:
                kept.append(line)
        text = _SOLUTION_BLOCK.sub("", "".join(kept))
        if text.strip() or not source.strip():
            cells.append({**cell, "source": text if text != source else cell["source"]})
    return {**notebook, "cells": cells}


def _write_student_sources(app, exception):
    if exception is not None or not app.config.hide_solutions or app.builder.format != "html":
        return
    sources = Path(app.outdir) / "_sources"
    for docname in app.env.found_docs:
        path = Path(app.env.doc2path(docname))
        target = sources / (docname + path.suffix)
        if path.suffix != ".ipynb" or not target.exists():
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        target.write_text(json.dumps(strip_solutions(notebook), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_node(hidden_solution_start)
    app.add_directive("solution-start", _solution_start_directive(), override=True)
    app.add_transform(RemoveHiddenGatedSolutions)
    app.connect("build-finished", _write_student_sources)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
