"""Evaluation of trained models, by subject; every name is re-exported here and from the top.

- :mod:`~cvae_utils.evaluate.likelihood`: -ELBO and importance-sampled likelihoods (nats per image);
- :mod:`~cvae_utils.evaluate.coverage`: precision and recall of samples in a judge's features;
- :mod:`~cvae_utils.evaluate.gaps`: the amortisation and approximation gaps of the ELBO;
- :mod:`~cvae_utils.evaluate.latent`: active units, nearest neighbours, clusters in latent space;
- :mod:`~cvae_utils.evaluate.judges`: classifiers judging samples (label fidelity, CAS, diversity);
- :mod:`~cvae_utils.evaluate.augmentation`: generated or shifted images added to a few real digits;
- :mod:`~cvae_utils.evaluate.traversals`: latent traversals and image statistics;
- :mod:`~cvae_utils.evaluate.toy`: the toy model and Monte Carlo arithmetic of chapter 02;
- :mod:`~cvae_utils.evaluate.timing`: the wall time of a training epoch;
- :mod:`~cvae_utils.evaluate.seeds`: an experiment repeated over seeds, its values and spread.
"""

from . import (
    augmentation,
    coverage,
    gaps,
    judges,
    latent,
    likelihood,
    seeds,
    timing,
    toy,
    traversals,
)
from .augmentation import *  # noqa: F401,F403
from .coverage import *  # noqa: F401,F403
from .gaps import *  # noqa: F401,F403
from .judges import *  # noqa: F401,F403
from .latent import *  # noqa: F401,F403
from .likelihood import *  # noqa: F401,F403
from .seeds import *  # noqa: F401,F403
from .timing import *  # noqa: F401,F403
from .toy import *  # noqa: F401,F403
from .traversals import *  # noqa: F401,F403

__all__ = sorted(
    augmentation.__all__
    + coverage.__all__
    + gaps.__all__
    + judges.__all__
    + latent.__all__
    + likelihood.__all__
    + seeds.__all__
    + timing.__all__
    + toy.__all__
    + traversals.__all__
)
