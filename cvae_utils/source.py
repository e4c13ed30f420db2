"""Show the package's own code on a chapter's page, so that the page and the library never disagree.

    from cvae_utils.source import show_source
    show_source(VAE.compute_loss)     # a cell's output: the method as a Python code block

The code is read from the installed package when the cell runs (``inspect.getsource``) and shown as
Markdown, which Jupyter, Colab and the website (myst-nb) all render as a highlighted code block.
"""

from __future__ import annotations

import inspect
import textwrap

__all__ = ["show_source"]


def source_markdown(obj) -> str:
    """The source of a cvae_utils function, method or class as a Markdown code block with its file.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    target = getattr(obj, "__func__", obj)  # bound methods: their function
    if not (inspect.isfunction(target) or inspect.isclass(target)):
        raise TypeError(
            f"show_source needs a function, method or class of cvae_utils, got {type(obj).__name__}"
        )
    module = inspect.getmodule(target)
    if module is None or not module.__name__.startswith("cvae_utils"):
        raise ValueError(
            f"show_source shows cvae_utils code only, got {getattr(target, '__qualname__', obj)!r} "
            f"from {getattr(module, '__name__', 'an unknown module')}"
        )
    code = textwrap.dedent(inspect.getsource(target)).rstrip("\n")
    path = module.__name__.replace(".", "/") + ".py"
    return (
        f"From `{path}` (`{target.__qualname__}`):\n\n```python\n{code}\n```"
    )


def show_source(obj):
    """Display ``source_markdown(obj)`` as a cell output (an ``IPython.display.Markdown``).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    from IPython.display import Markdown

    return Markdown(source_markdown(obj))
