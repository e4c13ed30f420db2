"""Shared code for the course "From Autoencoders to Conditional VAEs".

Every chapter imports what it needs from here — ``from cvae_utils import VAE, load_mnist,
plot_image_grid`` — so that a chapter stays short and a fix lands in every chapter at once.
The package is organised by layers, one module each, named with the chapters' words:

- :mod:`~cvae_utils.data`: the course's MNIST, Fashion-MNIST, the toy spiral, digit quadrants;
- :mod:`~cvae_utils.losses`: likelihoods and KL divergences (``keras.ops``, every backend);
- :mod:`~cvae_utils.networks`: the ``Sampling`` layer and the encoder/decoder/classifier builders;
- :mod:`~cvae_utils.models`: ``Autoencoder``, ``VAE``, ``CVAE``, the quadrant models, the model zoo;
- :mod:`~cvae_utils.evaluate`: ELBO and importance-sampled likelihoods, and the other metrics;
- :mod:`~cvae_utils.web`: the trained models exported for the website's live widgets;
- :mod:`~cvae_utils.callbacks`: Keras callbacks (a compact training log, latent-grid snapshots);
- :mod:`~cvae_utils.plots`: every figure (a subpackage);
- :mod:`~cvae_utils.config`: fast/full mode and seeds; :mod:`~cvae_utils.gradients`: gradients on
  any backend; :mod:`~cvae_utils.source`: the package's own code, shown on the page.

The chapters' self-checks live in ``cvae_utils.exercises``, one module per chapter; argument
validation is private (``cvae_utils._validation``).
"""

__version__ = "0.4.0"

# The one place the repository address is written; _config.yml and the Colab cells are
# checked against it by tests/test_book.py.
REPOSITORY_URL = "https://github.com/cvae-course/cvae-course"

from . import config  # noqa: E402  (chapters call config.describe(), config.set_seed())
from .data import (  # noqa: E402
    DataUnavailableError, FASHION_CLASSES, MNIST_CLASSES, examples_per_class, load_fashion_mnist,
    load_mnist, make_spiral, merge_quadrants, quadrant_mask, spiral_curve, split_quadrants)
from .losses import (  # noqa: E402
    bernoulli_nll_from_logits, continuous_bernoulli_log_normalizer, continuous_bernoulli_mean_from_logits,
    continuous_bernoulli_nll_from_logits, gaussian_nll, kl_gaussians, kl_standard_normal, log_normal)
from .networks import (  # noqa: E402
    Sampling, ToyAutoencoder, build_classifier, build_decoder, build_encoder, build_toy_autoencoder)
from .models import (  # noqa: E402
    Autoencoder, BOOK_MODELS, CVAE, QuadrantBaseline, QuadrantCVAE, VAE, build_model, decode_latent,
    train_classifier, train_models)
from .evaluate import (  # noqa: E402
    active_units, bernoulli_log_likelihood_matrix, closest_pairs, conditional_log_likelihoods,
    distance_to_curve, effective_sample_size, importance_sampled_nll, knn_label_accuracy,
    label_fidelity, latent_activity, latent_neighbour_agreement, likelihood_rows, log_mean_exp,
    marginal_nll, mean_confidence, mid_grey_fraction, nearest_neighbor, nearest_neighbors, negative_cll, negative_elbo,
    samples_for_relative_error, seconds_per_epoch, smoothed_probabilities, toy_marginal,
    toy_relative_variance)
from .evaluate import (  # noqa: E402  (chapter "What the latent code means")
    IMAGE_STATISTICS, image_statistics, latent_traversal, traversal_codes, traversal_effects)
from .callbacks import EpochLog, LatentGridSnapshots  # noqa: E402
from .callbacks import KLWarmUp, warmup_beta  # noqa: E402  (chapter "Fixing posterior collapse")
from .plots import (  # noqa: E402
    CLASS_COLORS, draw_digit, draw_digit_html, explorer_html, grid_animation, latent_explorer, latent_grid, plot_active_units,
    plot_bound_vs_samples, plot_class_values, plot_completions, plot_conditional_grid,
    plot_confusion_matrix, plot_graphical_model, plot_image_grid, plot_image_rows,
    plot_interpolation,
    plot_latent_manifold, plot_latent_scatter, plot_latent_variable_schematic, plot_rate_distortion,
    plot_reconstructions, plot_training_curves, tile)
from .plots import plot_latent_traversal  # noqa: E402
from .gradients import gradients  # noqa: E402
from .source import show_source  # noqa: E402
from .web import WebModel, export_web_model, load_web_model  # noqa: E402
from .evaluate import (cas_training_set, classification_accuracy_score, classifier_accuracy,  # noqa: E402
                       per_class_diversity, real_image_sampler)
from .plots import plot_per_class  # noqa: E402
from .plots import plot_aggregate_posterior, use_book_style  # noqa: E402

# One list of the public names: the API page of the book documents exactly these.
__all__ = [
    "active_units", "Autoencoder", "bernoulli_log_likelihood_matrix", "bernoulli_nll_from_logits",
    "BOOK_MODELS", "build_classifier", "build_decoder", "build_encoder", "build_model",
    "build_toy_autoencoder", "CLASS_COLORS", "closest_pairs", "conditional_log_likelihoods", "config",
    "CVAE", "decode_latent", "DataUnavailableError", "distance_to_curve", "effective_sample_size", "EpochLog",
    "draw_digit", "draw_digit_html", "examples_per_class", "explorer_html", "export_web_model", "FASHION_CLASSES", "gradients", "grid_animation",
    "IMAGE_STATISTICS", "image_statistics", "importance_sampled_nll", "kl_gaussians", "kl_standard_normal",
    "KLWarmUp", "knn_label_accuracy",
    "label_fidelity", "latent_activity", "latent_explorer", "latent_grid", "latent_neighbour_agreement",
    "latent_traversal", "LatentGridSnapshots", "likelihood_rows", "load_fashion_mnist", "load_mnist",
    "load_web_model", "WebModel",
    "log_mean_exp",
    "log_normal", "make_spiral", "marginal_nll", "mean_confidence", "merge_quadrants",
    "mid_grey_fraction", "MNIST_CLASSES", "nearest_neighbor", "nearest_neighbors", "negative_cll", "negative_elbo",
    "plot_active_units", "plot_bound_vs_samples", "plot_class_values", "plot_completions",
    "plot_conditional_grid", "plot_confusion_matrix", "plot_graphical_model",
    "plot_image_grid",
    "plot_image_rows", "plot_interpolation", "plot_latent_manifold", "plot_latent_scatter",
    "plot_latent_traversal", "plot_latent_variable_schematic", "plot_rate_distortion",
    "plot_reconstructions",
    "plot_training_curves", "quadrant_mask", "QuadrantBaseline", "QuadrantCVAE",
    "samples_for_relative_error", "Sampling", "seconds_per_epoch", "show_source",
    "smoothed_probabilities", "spiral_curve", "split_quadrants", "tile", "toy_marginal",
    "toy_relative_variance", "ToyAutoencoder", "train_classifier", "train_models",
    "traversal_codes", "traversal_effects", "VAE", "warmup_beta",
    "cas_training_set", "classification_accuracy_score", "classifier_accuracy", "per_class_diversity",
    "plot_per_class", "real_image_sampler", "use_book_style",
    "plot_aggregate_posterior",
]
