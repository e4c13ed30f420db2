"""Gradients on any Keras backend, for the chapters that show what automatic differentiation sees.

Training never needs this (``fit`` differentiates the loss itself); the chapters use it to print the
gradients of a small computation - the reparameterisation trick ({doc}`04_vae`), a pixel-averaged loss
({doc}`08_kl_weight`) - the same way on TensorFlow, JAX and PyTorch:

    value, (d_mu, d_log_var) = gradients(lambda: ops.sum(sampling([mu, log_var])), [mu, log_var])

``fn`` takes no arguments and returns a scalar computed with ``keras.ops`` from the ``variables``
(``keras.Variable`` objects, e.g. ``model.trainable_variables``). Each backend's own tool does the work:
``tf.GradientTape``, ``jax.value_and_grad`` of ``fn`` run in a ``keras.StatelessScope``, and
``torch.autograd.grad``. A variable the value does not depend on gets a gradient of zeros.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["gradients"]


def _is_variable(v) -> bool:
    """A Keras variable: keras.Variable, or the backend's variable class that layers create (before
    Keras 3.13 the two are different classes, the public one a subclass of the other)."""
    return isinstance(v, keras.Variable) or all(
        hasattr(v, name) for name in ("assign", "value", "trainable", "path")
    )


def _check(fn, variables):
    if not callable(fn):
        raise TypeError(
            f"fn must be a function of no arguments returning a scalar, got {type(fn).__name__}"
        )
    if isinstance(variables, keras.Variable):
        raise TypeError(
            "variables must be a list of keras.Variable, e.g. [mu, log_var]; got a single variable"
        )
    variables = list(variables)
    if not variables:
        raise ValueError(
            "variables is empty: pass the keras.Variable objects to differentiate with respect to"
        )
    for v in variables:
        if not _is_variable(v):
            raise TypeError(
                f"variables must hold keras.Variable objects, got {type(v).__name__}"
            )
    return variables


def _scalar(value):
    """``value`` itself, after checking that it holds a single number (works on tracers too)."""
    shape = tuple(getattr(value, "shape", ()))
    if int(np.prod(shape, dtype=np.int64)) != 1:
        raise ValueError(
            f"fn must return a single number (e.g. ops.sum(...)), got shape {shape}"
        )
    return value


def gradients(fn, variables):
    """``(value, grads)``: ``fn()`` as a float and its gradient with respect to each variable, as NumPy arrays.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    variables = _check(fn, variables)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch([v.value for v in variables])
            value = _scalar(fn())
        grads = tape.gradient(value, [v.value for v in variables])
    elif backend == "jax":
        import jax

        def pure(values):
            with keras.StatelessScope(
                state_mapping=list(zip(variables, values))
            ):
                return keras.ops.sum(
                    _scalar(fn())
                )  # a 0-d array, as jax.grad requires

        value, grads = jax.value_and_grad(pure)([v.value for v in variables])
    elif backend == "torch":
        import torch

        value = _scalar(fn())
        if getattr(value, "requires_grad", False):
            grads = torch.autograd.grad(
                value, [v.value for v in variables], allow_unused=True
            )
        else:  # computed without any of the variables (e.g. from NumPy copies): nothing to differentiate
            grads = [None] * len(variables)
    else:
        raise NotImplementedError(
            f"gradients supports the tensorflow, jax and torch backends, not {backend!r}"
        )
    value = float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(()))
    return value, [
        np.zeros(tuple(v.shape), dtype=np.float32)
        if g is None
        else np.asarray(keras.ops.convert_to_numpy(g))
        for v, g in zip(variables, grads)
    ]
