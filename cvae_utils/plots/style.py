"""The book's figure style: figures drawn for the website's text column.

A chapter calls :func:`use_book_style` once, in its first code cell; importing the package
changes nothing. A figure ``COLUMN_WIDTH`` inches wide at ``DPI`` dots per inch is
as wide as the website's text column at 1280 px (688 CSS px), so it is shown at the size it
was drawn and a 9-point label is 12 CSS px on the page. In a notebook the figures are PNGs
at twice that resolution (IPython's "retina" format), sharp on 2x screens.
"""

from __future__ import annotations

__all__ = ["use_book_style"]

DPI = 96  # CSS pixels per inch: at this dpi a point on the figure is a point on the page
COLUMN_WIDTH = 7.0  # inches: 672 px at 96 dpi, within the 688-px text column
MIN_FONT_SIZE = 9  # points: the smallest text a figure may show

BOOK_STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "figure.figsize": (COLUMN_WIDTH, 0.62 * COLUMN_WIDTH),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": MIN_FONT_SIZE,
    "ytick.labelsize": MIN_FONT_SIZE,
    "legend.fontsize": MIN_FONT_SIZE,
    "legend.title_fontsize": MIN_FONT_SIZE,
    "figure.titlesize": 12,
}


def use_book_style(retina: bool = True) -> dict:
    """Draw the following figures for the book's pages (every chapter, from Chapter 00, calls
    it in its first code cell).

    Sets Matplotlib's rcParams to ``BOOK_STYLE`` (figure width and dpi, font sizes of at
    least ``MIN_FONT_SIZE`` points) and, in IPython, the inline figure format: "retina"
    (PNG at twice the resolution, with its display size in the output's metadata) or plain
    "png" with ``retina=False``. Returns the rcParams it set.
    """
    if not isinstance(retina, bool):
        raise TypeError(
            f"retina must be True or False, got {type(retina).__name__}"
        )
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (the inline backend applies its rc on import)

    matplotlib.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: no inline figures to configure
        return dict(BOOK_STYLE)
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina" if retina else "png")
    return dict(BOOK_STYLE)
