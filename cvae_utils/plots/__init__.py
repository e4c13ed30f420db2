"""Every figure of the book, by what it shows; each function returns a Matplotlib Figure.

- :mod:`~cvae_utils.plots.images`: grids of digits (:func:`~cvae_utils.plots.images.plot_image_grid`, the one routine behind
  every grid), reconstructions, labelled rows, completions.
- :mod:`~cvae_utils.plots.latent`: the latent space — scatter plots, decoded manifolds,
  interpolations, the CVAE's grid of one style per column.
- :mod:`~cvae_utils.plots.curves`: training curves, the rate-distortion plane, active units,
  bounds against K, confusion matrices.
- :mod:`~cvae_utils.plots.diagrams`: block diagrams and graphical models.
- :mod:`~cvae_utils.plots.traversals`: latent traversals, one latent dimension moving per row.
- :mod:`~cvae_utils.plots.conditional`: per-class bars (classification accuracy, diversity, -ELBO per
  class), upright or lying down.
- :mod:`~cvae_utils.plots.style`: :func:`~cvae_utils.plots.style.use_book_style`, the
  figures' size, fonts and resolution for the book's pages.
- :mod:`~cvae_utils.plots.animation` and :mod:`~cvae_utils.plots.explorer`: the training
  animation and the interactive latent explorer of the website.
"""

from . import (
    animation,
    conditional,
    curves,
    diagrams,
    explorer,
    images,
    latent,
    style,
    traversals,
)
from .animation import *  # noqa: F401,F403
from .conditional import *  # noqa: F401,F403
from .curves import *  # noqa: F401,F403
from .diagrams import *  # noqa: F401,F403
from .explorer import *  # noqa: F401,F403
from .images import *  # noqa: F401,F403
from .latent import *  # noqa: F401,F403
from .style import *  # noqa: F401,F403
from .traversals import *  # noqa: F401,F403

__all__ = sorted(
    animation.__all__
    + conditional.__all__
    + curves.__all__
    + diagrams.__all__
    + explorer.__all__
    + images.__all__
    + latent.__all__
    + style.__all__
    + traversals.__all__
)
