"""Shared code for the course "From Autoencoders to Conditional VAEs".

Every chapter imports what it needs from here — ``from cvae_utils import VAE, load_mnist,
plot_image_grid`` — so that a chapter stays short and a fix lands in every chapter at once.
The package is organised by layers, one module each, named with the chapters' words:

- :mod:`~cvae_utils.data`: the course's MNIST, Fashion-MNIST, the toy spiral, digit quadrants;
- :mod:`~cvae_utils.losses`: likelihoods and KL divergences (``keras.ops``, every backend);
- :mod:`~cvae_utils.networks`: the ``Sampling`` layer and the encoder/decoder/classifier builders;
- :mod:`~cvae_utils.models`: ``Autoencoder``, ``VAE``, ``CVAE`` (``core``), the quadrant models
  (``quadrants``), the model zoo (``zoo``) — a subpackage;
- :mod:`~cvae_utils.evaluate`: likelihoods, the latent space, judges of samples, traversals, the
  toy model of chapter 02, training time and experiments repeated over seeds — a subpackage,
  one module per subject;
- :mod:`~cvae_utils.web`: the trained models exported for the website's live widgets;
- :mod:`~cvae_utils.callbacks`: Keras callbacks (a compact training log, latent-grid snapshots);
- :mod:`~cvae_utils.plots`: every figure (a subpackage);
- :mod:`~cvae_utils.config`: fast/full mode and seeds; :mod:`~cvae_utils.gradients`: gradients on
  any backend; :mod:`~cvae_utils.source`: the package's own code, shown on the page.

The chapters' self-checks live in ``cvae_utils.exercises``, one module per chapter; argument
validation is private (``cvae_utils._validation``).

Naming (one word for one thing, in every module):

- ``x``: a batch of images (N, 28, 28, 1) with pixels in [0, 1]; ``z``: latent codes (N, latent_dim);
- ``y``: a model's integer class labels beside its images, as Keras names targets
  (``cvae.encode(x, y)``, ``negative_elbo(model, x, y)``); ``labels``: class labels that stand
  alone, to draw or to colour by (``cvae.sample(labels)``, ``plot_latent_scatter(z, labels)``);
  ``label``: one class for every code of a decode or a plot (``decode_latent(model, z, label=3)``);
- ``num_samples``: draws per image (K), ``num_classes``, ``num_per_class``: counts start with ``num_``;
- ``seed``: None or an integer >= 0; a float seed is a TypeError everywhere.
"""

__version__ = "0.6.0"

# The one place the repository address is written; _config.yml and the Colab cells are
# checked against it by tests/test_book.py.
REPOSITORY_URL = "https://github.com/cvae-course/cvae-course"

# Each module lists its public names in its own __all__; the package's __all__ is their union,
# and one star import per module brings them here (`gradients` is then the function).
from . import (  # noqa: E402,F401
    callbacks,
    config,
    data,
    evaluate,
    gradients,
    losses,
    models,
    networks,
    plots,
    source,
    web,
)

__all__ = sorted(
    [
        "config",
        *callbacks.__all__,
        *data.__all__,
        *evaluate.__all__,
        *gradients.__all__,
        *losses.__all__,
        *models.__all__,
        *networks.__all__,
        *plots.__all__,
        *source.__all__,
        *web.__all__,
    ]
)

from .callbacks import *  # noqa: E402,F401,F403
from .data import *  # noqa: E402,F401,F403
from .evaluate import *  # noqa: E402,F401,F403
from .gradients import *  # noqa: E402,F401,F403
from .losses import *  # noqa: E402,F401,F403
from .models import *  # noqa: E402,F401,F403
from .networks import *  # noqa: E402,F401,F403
from .plots import *  # noqa: E402,F401,F403
from .source import *  # noqa: E402,F401,F403
from .web import *  # noqa: E402,F401,F403
