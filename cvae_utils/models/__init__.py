"""The models of the course, by module.

- :mod:`~cvae_utils.models.core`: ``Autoencoder``, ``VAE``, ``CVAE`` and ``decode_latent``;
- :mod:`~cvae_utils.models.quadrants`: the quadrant models of structured output prediction;
- :mod:`~cvae_utils.models.zoo`: the book's models by name and their training recipe.
"""

from . import core, quadrants, zoo
from .core import *  # noqa: F401,F403
from .quadrants import *  # noqa: F401,F403
from .zoo import *  # noqa: F401,F403

__all__ = sorted(core.__all__ + quadrants.__all__ + zoo.__all__)
