"""Every figure of the book, by what it shows; each function returns a Matplotlib Figure.

- :mod:`~cvae_utils.plots.images`: grids of digits (:func:`~cvae_utils.plots.images.plot_image_grid`, the one routine behind
  every grid), reconstructions, labelled rows, completions.
- :mod:`~cvae_utils.plots.latent`: the latent space — scatter plots, decoded manifolds,
  interpolations, the CVAE's grid of one style per column.
- :mod:`~cvae_utils.plots.curves`: training curves, the rate-distortion plane, active units,
  bounds against K, confusion matrices, per-class bars.
- :mod:`~cvae_utils.plots.diagrams`: block diagrams and graphical models.
- :mod:`~cvae_utils.plots.traversals`: latent traversals, one latent dimension moving per row.
- :mod:`~cvae_utils.plots.conditional`: per-class bars, real against generated (classification accuracy,
  diversity).
- :mod:`~cvae_utils.plots.style`: :func:`~cvae_utils.plots.style.use_book_style`, the
  figures' size, fonts and resolution for the book's pages.
- :mod:`~cvae_utils.plots.animation` and :mod:`~cvae_utils.plots.explorer`: the training
  animation and the interactive latent explorer of the website.
"""

from .animation import grid_animation
from .curves import (plot_active_units, plot_bound_vs_samples, plot_class_values, plot_confusion_matrix,
                     plot_rate_distortion, plot_training_curves)
from .conditional import plot_per_class
from .diagrams import plot_graphical_model, plot_latent_variable_schematic
from .explorer import draw_digit, draw_digit_html, explorer_html, latent_explorer
from .images import plot_completions, plot_image_grid, plot_image_rows, plot_reconstructions, tile
from .latent import (CLASS_COLORS, CLASS_MARKERS, latent_grid, plot_aggregate_posterior, plot_conditional_grid, plot_interpolation,
                     plot_latent_manifold, plot_latent_scatter)
from .traversals import plot_latent_traversal
from .style import use_book_style

__all__ = [
    "CLASS_COLORS", "CLASS_MARKERS", "draw_digit", "draw_digit_html", "explorer_html", "grid_animation", "latent_explorer", "latent_grid",
    "plot_aggregate_posterior",
    "plot_active_units", "plot_bound_vs_samples", "plot_class_values", "plot_completions",
    "plot_conditional_grid", "plot_confusion_matrix", "plot_graphical_model",
    "plot_image_grid",
    "plot_image_rows", "plot_interpolation", "plot_latent_manifold", "plot_latent_scatter",
    "plot_latent_traversal",
    "plot_latent_variable_schematic", "plot_rate_distortion", "plot_reconstructions",
    "plot_per_class",
    "plot_training_curves", "tile", "use_book_style",
]
