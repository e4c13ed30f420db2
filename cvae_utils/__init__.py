"""Shared code for the course "From Autoencoders to Conditional VAEs".

Every chapter imports its data, models, losses, evaluation and plots from here —
``from cvae_utils import VAE, load_mnist, plot_image_grid`` — so that a chapter stays short and a
fix lands in every chapter at once. The package is organised by layers, one module each:
:mod:`~cvae_utils.data`, :mod:`~cvae_utils.losses`, :mod:`~cvae_utils.networks`,
:mod:`~cvae_utils.models`, :mod:`~cvae_utils.evaluate`, :mod:`~cvae_utils.callbacks`,
:mod:`~cvae_utils.plots` (a subpackage) and :mod:`~cvae_utils.config`; the chapters'
self-checks live in :mod:`cvae_utils.exercises`, one module per chapter.
"""

__version__ = "0.2.0"

# The one place the repository address is written; _config.yml and the Colab cells are
# checked against it by tests/test_book.py.
REPOSITORY_URL = "https://github.com/cvae-course/cvae-course"

from . import config  # noqa: E402  (chapters call config.describe(), config.set_seed())
from .animation import grid_animation  # noqa: E402
from .data import (FASHION_CLASSES, MNIST_CLASSES, DataUnavailableError, load_fashion_mnist,  # noqa: E402
                   load_mnist)
from .evaluate import (conditional_log_likelihoods, importance_sampled_nll, label_fidelity,  # noqa: E402
                       marginal_nll, negative_elbo)
from .explorer import explorer_html, latent_explorer  # noqa: E402
from .gradients import gradients  # noqa: E402
from .losses import (bernoulli_nll_from_logits, kl_gaussians, kl_standard_normal, log_normal)  # noqa: E402
from .models import CVAE, VAE, Autoencoder  # noqa: E402
from .networks import Sampling, build_classifier, build_decoder, build_encoder  # noqa: E402
from .plotting import (latent_grid, plot_conditional_grid, plot_image_grid, plot_interpolation,  # noqa: E402
                       plot_latent_manifold, plot_latent_scatter, plot_reconstructions,
                       plot_training_curves, tile)
from .source import show_source  # noqa: E402
from .structured import (QuadrantBaseline, QuadrantCVAE, merge_quadrants, negative_cll,  # noqa: E402
                         plot_completions, plot_cvae_history, quadrant_mask, split_quadrants)
from .toy import build_toy_autoencoder, distance_to_curve, make_spiral, nearest_neighbor, spiral_curve  # noqa: E402
from .training import EpochLog, LatentGridSnapshots  # noqa: E402
from .zoo import BOOK_MODELS, likelihood_rows, mean_confidence, train_classifier, train_models  # noqa: E402
from .exercises.kl_weight import active_units, latent_activity, plot_active_units, plot_image_rows, plot_rate_distortion  # noqa: E402
from .exercises.latent_variables import (bernoulli_log_likelihood_matrix, effective_sample_size, log_mean_exp,  # noqa: E402
                               plot_latent_variable_schematic, samples_for_relative_error,
                               smoothed_probabilities, toy_marginal, toy_relative_variance)
from .exercises.evaluation import plot_bound_vs_samples, plot_confusion_matrix  # noqa: E402
from .exercises.cvae import knn_label_accuracy  # noqa: E402
from .exercises.fashion_mnist import (closest_pairs, examples_per_class, latent_neighbour_agreement,  # noqa: E402
                                mid_grey_fraction, plot_class_values, seconds_per_epoch)

__all__ = sorted(name for name in dir() if not name.startswith("_") and name not in {"REPOSITORY_URL"})
