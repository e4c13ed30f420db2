"""Self-checks for the exercises of the chapter "Variational autoencoders".

Each ``check_*`` function calls a learner's function on known inputs, compares the result with a
reference written in NumPy (float64), and prints ``✓ ...`` when it agrees or raises AssertionError
saying what differs and what the usual mistake behind that difference is.

- :func:`check_kl_divergence`: closed-form KL( N(mu, diag sigma^2) || N(0, I) ) per example.
- :func:`check_reparameterize`: z = mu + exp(log_var / 2) * eps with eps drawn from a seed.
- :func:`check_negative_elbo`: per-image -ELBO = Bernoulli NLL (summed over pixels) + KL.

Over 400 lines because it holds every self-check of chapter 04 (one module per chapter),
each with the wrong answers it recognises and the hint it gives for them.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
from keras import ops

from . import as_numpy_result, close, report
from . import require_callable as _require_callable

# -- references (float64 NumPy, written independently of cvae_utils.losses) ----------------


def _kl_reference(z_mean, z_log_var):
    m, lv = np.asarray(z_mean, "float64"), np.asarray(z_log_var, "float64")
    return 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=-1)


def _bernoulli_nll_reference(x, logits, reduce="sum"):
    x, lg = np.asarray(x, "float64"), np.asarray(logits, "float64")
    # -[x log s(lg) + (1 - x) log(1 - s(lg))] = softplus(lg) - x * lg, stably
    per_pixel = np.maximum(lg, 0.0) - lg * x + np.log1p(np.exp(-np.abs(lg)))
    per_pixel = per_pixel.reshape(len(x), -1)
    return per_pixel.sum(axis=1) if reduce == "sum" else per_pixel.mean(axis=1)


def _bernoulli_nll_clipped_reference(x, logits, eps=1e-7):
    """The common near-miss: log(p + eps) on probabilities, which caps confident mistakes."""
    x, p = (
        np.asarray(x, "float64"),
        1.0 / (1.0 + np.exp(-np.asarray(logits, "float64"))),
    )
    per_pixel = -(x * np.log(p + eps) + (1.0 - x) * np.log(1.0 - p + eps))
    return per_pixel.reshape(len(x), -1).sum(axis=1)


# -- helpers -------------------------------------------------------------------------------


def _check_shape(arr, expected_shape, name, hint=""):
    if arr.shape != tuple(expected_shape):
        report(
            name,
            False,
            f"expected shape {tuple(expected_shape)}, got {arr.shape}. {hint}".rstrip(),
        )


@contextlib.contextmanager
def _quiet_numpy_interop():
    """Ignore NumPy's DeprecationWarnings about PyTorch tensors (``__array__``, ``__array_wrap__``) while a
    learner's function mixes NumPy inputs with keras.ops: they are about the libraries, not the answer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _fmt(a, decimals=4):
    return np.array2string(
        np.round(np.asarray(a, "float64"), decimals), separator=", "
    )


# -- exercise 1: closed-form KL ----------------------------------------------------------


def _kl_inputs():
    z_mean = np.array(
        [[0.0, 0.0], [1.0, -2.0], [0.3, 0.5], [-1.5, 0.1], [0.0, 0.0]],
        dtype="float32",
    )
    z_log_var = np.array(
        [[0.0, 0.0], [0.0, 0.0], [-1.0, 0.7], [-3.0, 1.5], [-6.0, 2.0]],
        dtype="float32",
    )
    return z_mean, z_log_var


def check_kl_divergence(kl_divergence) -> None:
    """Check ``kl_divergence(z_mean, z_log_var)``: KL( N(z_mean, exp(z_log_var)) || N(0, I) ).

    Inputs are float32 arrays of shape (N, D); the answer must have shape (N,) (summed over the D
    latent dimensions, one value per example) and match the closed form
    0.5 * sum(exp(log_var) + mean^2 - 1 - log_var).
    """
    name = "kl_divergence"
    _require_callable(kl_divergence, "check_kl_divergence(kl_divergence)")
    z_mean, z_log_var = _kl_inputs()
    expected = _kl_reference(z_mean, z_log_var)
    with _quiet_numpy_interop():
        got = as_numpy_result(kl_divergence(z_mean, z_log_var), name)
    if got.shape == z_mean.shape:
        report(
            name,
            False,
            f"expected shape {expected.shape}, got {got.shape}: sum over the latent "
            f"dimensions (axis=-1), one KL per example",
        )
    if got.shape == ():
        report(
            name,
            False,
            f"expected shape {expected.shape} (one KL per example), got a single number: "
            f"do not average over the batch - the model does that",
        )
    _check_shape(got, expected.shape, name)
    m, lv = z_mean.astype("float64"), z_log_var.astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        log_var_as_variance = 0.5 * np.sum(
            lv + m**2 - 1.0 - np.log(lv), axis=-1
        )
    if not np.all(np.isfinite(got)):
        hint = ""
        if np.allclose(got, log_var_as_variance, equal_nan=True) or np.any(
            ~np.isfinite(got) & np.any(lv <= 0, axis=-1)
        ):
            hint = (
                " z_log_var is already log sigma^2 and can be zero or negative: the variance is "
                "exp(z_log_var) and its log is z_log_var itself - do not take log(z_log_var)."
            )
        report(
            name,
            False,
            f"your KL is not finite: {_fmt(got)} for z_log_var rows {_fmt(z_log_var)}.{hint}",
        )
    wrong_rows = ~np.isclose(got, expected, atol=1e-4, rtol=1e-4)
    if np.any(wrong_rows):
        hint = ""
        if close(got, 2 * expected):
            hint = " Your values are twice too large: the closed form has a factor 1/2."
        elif close(got, expected / 2):
            hint = (
                " Your values are half the right ones: the factor is 1/2, applied once, and the KL is "
                "summed over the latent dimensions, not averaged."
            )
        elif close(got, -expected):
            hint = (
                " Your values have the wrong sign: a KL divergence is never negative; -1/2 * sum(1 + log_var "
                "- mean^2 - exp(log_var)) and 1/2 * sum(exp(log_var) + mean^2 - 1 - log_var) are the same."
            )
        elif close(got, 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 + lv, axis=-1)):
            hint = (
                " The log-variance term has the wrong sign: it is - log_var inside the sum "
                "(+ log_var under the form -1/2 * sum(1 + log_var - mean^2 - exp(log_var)))."
            )
        elif close(
            got, 0.5 * np.sum(np.exp(0.5 * lv) + m**2 - 1.0 - lv, axis=-1)
        ):
            hint = (
                " You used the standard deviation exp(log_var / 2) where the variance exp(log_var) belongs: "
                "z_log_var is log sigma^2."
            )
        elif close(got, 0.5 * np.sum(lv + m**2 - 1.0 - lv, axis=-1)):
            hint = " You used log_var where the variance exp(log_var) belongs."
        elif abs(got[0]) > 1e-4:
            hint = " For mean 0 and log_var 0 (first row) q equals p, so the KL must be 0."
        i = int(np.argmax(wrong_rows))  # the first row that differs
        report(
            name,
            False,
            f"for z_mean={_fmt(z_mean[i])}, z_log_var={_fmt(z_log_var[i])} expected "
            f"{expected[i]:.4f}, got {got[i]:.4f}. All rows: expected {_fmt(expected)}, "
            f"got {_fmt(got)}.{hint}",
        )
    report(
        name,
        True,
        f"matches the closed form on {len(expected)} examples (KL from 0 to "
        f"{expected.max():.2f} nats)",
    )


# -- exercise 2: the reparameterisation trick ---------------------------------------------


def check_reparameterize(reparameterize, num_samples: int = 20000) -> None:
    """Check ``reparameterize(z_mean, z_log_var, seed)`` returning z = mean + exp(log_var / 2) * eps.

    The function must draw eps ~ N(0, I) with ``keras.random.normal(..., seed=seed)`` and build z
    from it with ``keras.ops``. Three things are checked:

    1. statistics: over many samples, z has mean z_mean and standard deviation exp(z_log_var / 2);
    2. form: with the same seed (the same eps), moving z_mean by d moves z by exactly d, and adding
       d to z_log_var scales z - z_mean by exp(d / 2) - i.e. z is mean + sigma * eps, a
       deterministic, differentiable function of (z_mean, z_log_var) given eps;
    3. the result is a backend tensor, and automatic differentiation finds dz/dmean = 1 and
       dz/dlog_var = sigma * eps / 2 (a z computed in NumPy and wrapped into a tensor has no gradient).
    """
    name = "reparameterize"
    _require_callable(reparameterize, "check_reparameterize(reparameterize)")
    num_samples = int(num_samples)
    if num_samples < 1000:
        raise ValueError(
            f"num_samples must be at least 1000 for a reliable check, got {num_samples}"
        )
    mean = np.array([1.0, -2.0, 0.0], dtype="float32")
    log_var = np.log(np.array([4.0, 0.25, 1.0], dtype="float32"))
    std = np.exp(0.5 * log_var)
    z_mean = ops.convert_to_tensor(np.tile(mean, (num_samples, 1)))
    z_log_var = ops.convert_to_tensor(np.tile(log_var, (num_samples, 1)))

    result = reparameterize(z_mean, z_log_var, 7)
    if result is not None and not ops.is_tensor(result):
        report(
            name,
            False,
            f"your function returned a {type(result).__name__}, not a backend tensor: "
            f"gradients cannot flow through NumPy. Build z with keras.ops "
            f"(ops.exp, +, *) and keras.random.normal",
        )
    z = as_numpy_result(result, name)
    _check_shape(z, (num_samples, 3), name, "z has the shape of z_mean")

    # 1. statistics (tolerance: 5 standard errors of the mean; 5% on the standard deviation)
    got_mean, got_std = z.mean(axis=0), z.std(axis=0)
    if not np.all(np.abs(got_mean - mean) < 5 * std / np.sqrt(num_samples)):
        report(
            name,
            False,
            f"the samples' mean is {_fmt(got_mean, 3)}, expected z_mean = {_fmt(mean, 3)}",
        )
    if not np.allclose(got_std, std, rtol=0.05):
        hint = ""
        if np.allclose(got_std, std**2, rtol=0.05):
            hint = " You used the variance exp(log_var) as the standard deviation: sigma = exp(log_var / 2)."
        elif np.allclose(got_std, np.exp(log_var / 4), rtol=0.05):
            hint = " sigma = exp(log_var / 2), not sqrt(exp(log_var / 2))."
        report(
            name,
            False,
            f"the samples' standard deviation is {_fmt(got_std, 3)}, expected "
            f"exp(z_log_var / 2) = {_fmt(std, 3)}.{hint}",
        )

    # 2. form: same seed => same eps; z must move with (mean, log_var) as mean + sigma * eps does
    small_mean = ops.convert_to_tensor(mean[None, :])
    small_log_var = ops.convert_to_tensor(log_var[None, :])
    z0 = as_numpy_result(reparameterize(small_mean, small_log_var, 11), name)
    z0_again = as_numpy_result(
        reparameterize(small_mean, small_log_var, 11), name
    )
    if not close(z0, z0_again, atol=1e-6, rtol=1e-6):
        report(
            name,
            False,
            "two calls with the same seed gave different z: pass seed to "
            "keras.random.normal(shape, seed=seed) so eps is reproducible",
        )
    d = 0.5
    z_shift = as_numpy_result(
        reparameterize(
            ops.convert_to_tensor(mean[None, :] + d), small_log_var, 11
        ),
        name,
    )
    if not close(z_shift - z0, np.full_like(z0, d), atol=1e-4, rtol=1e-4):
        report(
            name,
            False,
            f"adding {d} to z_mean changed z by {_fmt(z_shift - z0)}, expected exactly {d} "
            f"(dz/dmean = 1): eps must not depend on z_mean",
        )
    z_scaled = as_numpy_result(
        reparameterize(
            small_mean, ops.convert_to_tensor(log_var[None, :] + d), 11
        ),
        name,
    )
    eps = (z0 - mean) / std
    expected_scaled = mean + std * np.exp(d / 2) * eps
    if not close(z_scaled, expected_scaled, atol=1e-4, rtol=1e-4):
        report(
            name,
            False,
            f"adding {d} to z_log_var should scale z - z_mean by exp({d}/2) = "
            f"{np.exp(d / 2):.4f}; got z = {_fmt(z_scaled)}, expected {_fmt(expected_scaled)}",
        )
    # 3. gradients: automatic differentiation must see z as mean + sigma * eps. A z computed in NumPy and
    #    wrapped into a tensor at the end passes every check above but gives the encoder no gradient.
    import keras

    from .. import gradients

    mu_var, log_var_var = (
        keras.Variable(mean[None, :]),
        keras.Variable(log_var[None, :]),
    )
    try:
        _, (d_mu, d_log_var) = gradients(
            lambda: ops.sum(reparameterize(mu_var, log_var_var, 11)),
            [mu_var, log_var_var],
        )
    except Exception as exc:  # noqa: BLE001 - e.g. NumPy on a JAX tracer
        report(
            name,
            False,
            f"differentiating your function raised {type(exc).__name__}: build z from z_mean and "
            f"z_log_var with keras.ops only (no NumPy, no convert_to_numpy), so gradients can flow",
        )
    if np.allclose(d_mu, 0.0) and np.allclose(d_log_var, 0.0):
        report(
            name,
            False,
            "no gradient reaches z_mean or z_log_var: z was computed outside the computation (in "
            "NumPy?) and only wrapped into a tensor. Build it with keras.ops: "
            "z_mean + ops.exp(0.5 * z_log_var) * eps",
        )
    if not close(d_mu, np.ones_like(d_mu), atol=1e-4) or not close(
        d_log_var, 0.5 * std * eps, atol=1e-4
    ):
        report(
            name,
            False,
            f"the gradients of z are dz/dmean = {_fmt(d_mu)} and dz/dlog_var = {_fmt(d_log_var)}; "
            f"expected 1 and 0.5 * sigma * eps = {_fmt(0.5 * std * eps)}",
        )
    # (the sample statistics themselves depend on the backend's random generator: not printed)
    report(
        name,
        True,
        f"{num_samples} samples have mean z_mean within 5 standard errors and standard "
        f"deviation exp(z_log_var / 2) within 5%; z = mean + sigma * eps given the seed",
    )


# -- exercise 3: the negative ELBO of one image ---------------------------------------------


def _elbo_inputs():
    rng = np.random.default_rng(2024)
    n = 4
    x = (rng.random((n, 28, 28, 1)) < 0.3).astype("float32")
    logits = (3.0 * rng.standard_normal((n, 28, 28, 1))).astype("float32")
    # the last image: confident and wrong in places, as an untrained decoder can be
    logits[-1, :2] = np.where(x[-1, :2] > 0.5, -60.0, 60.0)
    z_mean = rng.standard_normal((n, 2)).astype("float32")
    z_log_var = (0.5 * rng.standard_normal((n, 2)) - 1.0).astype("float32")
    return x, logits, z_mean, z_log_var


def check_negative_elbo(negative_elbo_per_image) -> None:
    """Check ``negative_elbo_per_image(x, logits, z_mean, z_log_var)``: one -ELBO per image (nats).

    -ELBO = sum over pixels of the Bernoulli negative log-likelihood of x given the decoder's
    logits, plus the closed-form KL(q(z|x) || N(0, I)). Shapes: x and logits (N, 28, 28, 1),
    z_mean and z_log_var (N, D); result (N,). One image has logits of +-60 that disagree with
    its pixels: a stable formula gives a large but finite value there.
    """
    name = "negative_elbo_per_image"
    _require_callable(
        negative_elbo_per_image, "check_negative_elbo(negative_elbo_per_image)"
    )
    x, logits, z_mean, z_log_var = _elbo_inputs()
    reconstruction = _bernoulli_nll_reference(x, logits)
    kl = _kl_reference(z_mean, z_log_var)
    expected = reconstruction + kl
    with _quiet_numpy_interop():
        got = as_numpy_result(
            negative_elbo_per_image(x, logits, z_mean, z_log_var), name
        )
    if got.shape == ():
        report(
            name,
            False,
            f"expected shape {expected.shape} (one value per image), got a single number: "
            f"sum over pixels and latent dimensions, but not over the batch",
        )
    _check_shape(
        got,
        expected.shape,
        name,
        "Sum the reconstruction term over all pixels of each image.",
    )
    if not np.all(np.isfinite(got[:-1])):
        report(
            name,
            False,
            f"your values are not finite for ordinary logits: {_fmt(got, 2)}",
        )
    if not np.isfinite(got[-1]):
        report(
            name,
            False,
            "the last image has logits of +-60: log(sigmoid(l)) underflows to log(0). "
            "Use the stable form softplus(l) - x * l (or max(l, 0) - l * x + log(1 + exp(-|l|)))",
        )
    if not close(got, expected, atol=1e-2, rtol=1e-4):
        hint = ""
        if close(got, reconstruction, atol=1e-2, rtol=1e-4):
            hint = " That is the reconstruction term alone: add the KL."
        elif close(got, reconstruction - kl, atol=1e-2, rtol=1e-4):
            hint = " You subtracted the KL: -ELBO = reconstruction NLL + KL."
        elif close(got, -expected, atol=1e-2, rtol=1e-4):
            hint = " The sign is flipped: return the negative ELBO (a positive number of nats)."
        elif close(
            got,
            _bernoulli_nll_reference(x, logits, reduce="mean") + kl,
            atol=1e-2,
            rtol=1e-4,
        ):
            hint = (
                " You averaged the reconstruction over pixels: sum it, otherwise the KL weighs 784 "
                "times more than in the ELBO."
            )
        elif close(
            got,
            _bernoulli_nll_clipped_reference(x, logits) + kl,
            atol=1e-2,
            rtol=1e-4,
        ):
            hint = " Adding 1e-7 inside log() biases large logits: use softplus(l) - x * l."
        report(
            name,
            False,
            f"expected {_fmt(expected, 2)} nats, got {_fmt(got, 2)}; the expected values "
            f"are the reference's reconstruction {_fmt(reconstruction, 2)} plus the reference's "
            f"KL {_fmt(kl, 2)}.{hint}",
        )
    report(
        name,
        True,
        f"-ELBO per image {_fmt(expected, 1)} nats, finite even for logits of +-60",
    )


# -- exercise 4: the whole model, written by the learner --------------------------------------


def _binary_batch(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 28, 28, 1)) < 0.2).astype("float32")
    x[:, 8:20, 10:18] = (
        1.0  # a shared stroke, so a few steps of training can lower the loss
    )
    return x


def _set_head(encoder, name, kernel_scale=None, bias=None):
    """Set the weights of the encoder's Dense layer ``name`` (z_mean / z_log_var)."""
    layer = encoder.get_layer(name)
    kernel, b = layer.get_weights()
    layer.set_weights(
        [
            kernel if kernel_scale is None else kernel * kernel_scale,
            b if bias is None else np.full_like(b, bias),
        ]
    )


def _float64(tensor):
    """A backend tensor as a float64 NumPy array."""
    return np.asarray(ops.convert_to_numpy(tensor), "float64")


def _outputs(model, inputs, name):
    try:
        out = model(inputs, training=True)
    except Exception as exc:  # noqa: BLE001 - any error in student code gets the same kind of verdict
        report(
            name,
            False,
            f"calling your model on a batch raised {type(exc).__name__}: {exc}",
        )
    if not isinstance(out, dict) or not {
        "logits",
        "z_mean",
        "z_log_var",
    } <= set(out):
        report(
            name,
            False,
            "call() must return a dict with the keys 'logits', 'z_mean' and 'z_log_var', as "
            f"VAE.call does; got {type(out).__name__}"
            + (f" with keys {sorted(out)}" if isinstance(out, dict) else ""),
        )
    return {
        k: _float64(out[k]) for k in ("logits", "z_mean", "z_log_var")
    }, out


def _loss_value(model, x, y_pred, name):
    try:
        loss = model.compute_loss(
            x=x, y=None, y_pred=y_pred, sample_weight=None
        )
    except TypeError as exc:
        report(
            name,
            False,
            f"compute_loss must accept Keras' arguments (x=None, y=None, y_pred=None, "
            f"sample_weight=None, training=True): {exc}",
        )
    value = _float64(loss)
    if value.shape not in ((), (1,)):
        report(
            name,
            False,
            f"compute_loss must return one number (the mean over the batch), got shape {value.shape}",
        )
    return float(value.reshape(()))


def _check_model_class(model_class, name, conditional):
    """The shared body of check_vae_class and check_cvae_class."""
    import keras

    from .. import CVAE, VAE

    if not (
        isinstance(model_class, type) and issubclass(model_class, keras.Model)
    ):
        raise TypeError(
            f"pass your class itself (a subclass of keras.Model), e.g. {name}(MyModel), "
            f"got {model_class!r}"
        )
    try:
        model = model_class(latent_dim=2)
    except Exception as exc:  # noqa: BLE001
        report(
            name,
            False,
            f"{model_class.__name__}(latent_dim=2) raised {type(exc).__name__}: {exc}",
        )
    for part in ("encoder", "decoder"):
        if not isinstance(getattr(model, part, None), keras.Model):
            report(
                name,
                False,
                f"your model needs an attribute `{part}`: the network from build_{part}(latent_dim"
                + (", num_classes=10" if conditional else "")
                + ")",
            )
    reference = (
        CVAE(latent_dim=2, num_classes=10)
        if conditional
        else VAE(latent_dim=2)
    )
    rng = np.random.default_rng(
        0
    )  # fixed weights: the same numbers in every run of the check
    for network in (reference.encoder, reference.decoder):
        network.set_weights(
            [
                rng.normal(0.0, 0.05, w.shape).astype("float32")
                for w in network.get_weights()
            ]
        )
    try:
        model.encoder.set_weights(reference.encoder.get_weights())
        model.decoder.set_weights(reference.decoder.get_weights())
    except ValueError as exc:
        report(
            name,
            False,
            "build the networks with build_encoder and build_decoder (latent_dim=2"
            + (", num_classes=10" if conditional else "")
            + f"), so their weights fit: {exc}",
        )

    x = _binary_batch()
    labels = np.arange(len(x), dtype="int32") % 10
    inputs = [x, labels] if conditional else x
    one_hot = np.eye(10, dtype="float32")[labels]

    # 1. With the reference weights and sigma ~ 0 (log-variance bias -30), z = mu exactly, so the
    #    encoder's outputs, the decoded logits and the two loss terms are known numbers.
    _set_head(model.encoder, "z_log_var", kernel_scale=0.0, bias=-30.0)
    _set_head(reference.encoder, "z_log_var", kernel_scale=0.0, bias=-30.0)
    enc_in = [x, one_hot] if conditional else x
    mean_ref = _float64(reference.encoder(enc_in)[0])
    got, raw = _outputs(model, inputs, name)
    if got["z_mean"].shape != mean_ref.shape or not close(
        got["z_mean"], mean_ref, atol=1e-4
    ):
        hint = (
            " - did you give the encoder the labels too?"
            if conditional
            else ""
        )
        report(
            name,
            False,
            f"z_mean differs from the encoder's first output for the same images{hint}",
        )
    dec_in = [mean_ref, one_hot] if conditional else mean_ref
    logits_ref = _float64(reference.decoder(dec_in))
    if not close(got["logits"], logits_ref, atol=1e-3):
        if conditional:
            wrong = np.eye(10, dtype="float32")[np.zeros_like(labels)]
            # decoded with label 0 for every image, and with no label at all
            wrong_labels = (
                _float64(reference.decoder([mean_ref, wrong])),
                _float64(reference.decoder([mean_ref, 0 * one_hot])),
            )
            if any(close(got["logits"], w, atol=1e-3) for w in wrong_labels):
                report(
                    name,
                    False,
                    "the decoder does not get the image's label: decode [z, one_hot(y)] with the "
                    "labels of the batch, p(x | z, y)",
                )
        if close(
            got["logits"],
            _float64(
                reference.decoder(
                    [got["z_log_var"], one_hot]
                    if conditional
                    else got["z_log_var"]
                )
            ),
            atol=1e-3,
        ):
            report(
                name,
                False,
                "you decoded z_log_var: decode the sample z = z_mean + exp(z_log_var / 2) * eps",
            )
        report(
            name,
            False,
            "with sigma = 0 the sample z equals z_mean, so the logits must be decoder(z_mean"
            + (", label" if conditional else "")
            + "); yours differ - decode the sampled z",
        )
    rec = float(np.mean(_bernoulli_nll_reference(x, got["logits"])))
    kl = float(np.mean(_kl_reference(got["z_mean"], got["z_log_var"])))
    loss = _loss_value(model, x if not conditional else inputs, raw, name)
    if not np.isclose(loss, rec + kl, rtol=1e-4, atol=1e-2):
        hint = ""
        if np.isclose(loss, rec - kl, rtol=1e-4, atol=1e-2):
            hint = " You subtracted the KL: the loss is -ELBO = reconstruction + KL."
        elif np.isclose(loss, rec, rtol=1e-4, atol=1e-2):
            hint = " That is the reconstruction term alone: add the KL."
        elif np.isclose(loss, rec / 784 + kl, rtol=1e-4, atol=1e-2):
            hint = " You averaged the reconstruction over pixels: sum it over each image, then average over the batch."
        elif np.isclose(loss, len(x) * (rec + kl), rtol=1e-4, atol=1e-1):
            hint = " You summed over the batch: average over it."
        report(
            name,
            False,
            f"on a fixed batch your loss is {loss:.2f}, but reconstruction {rec:.2f} + KL {kl:.2f} "
            f"= {rec + kl:.2f} nats per image.{hint}",
        )

    # 2. The model samples: with sigma = 1 two calls in training mode decode two different draws of
    #    z, neither of them z_mean itself.
    model.encoder.set_weights(reference.encoder.get_weights())
    _set_head(model.encoder, "z_mean", kernel_scale=0.0, bias=0.0)
    _set_head(model.encoder, "z_log_var", kernel_scale=0.0, bias=0.0)
    first, _ = _outputs(model, inputs, name)
    second, _ = _outputs(model, inputs, name)
    at_mean = _float64(
        reference.decoder(
            [first["z_mean"], one_hot] if conditional else first["z_mean"]
        )
    )
    if close(first["logits"], at_mean, atol=1e-5) and close(
        second["logits"], at_mean, atol=1e-5
    ):
        report(
            name,
            False,
            "with sigma = 1 your logits are decoder(z_mean): the model never samples. In "
            "training, decode z = z_mean + exp(z_log_var / 2) * eps with a fresh eps drawn by "
            "keras.random.normal (or the Sampling layer)",
        )
    if close(first["logits"], second["logits"], atol=1e-6, rtol=1e-6):
        report(
            name,
            False,
            "two calls on the same images in training mode decoded the same z: every call must "
            "draw a new eps. An integer seed given to keras.random.normal inside call() draws the "
            "same eps every time; keep a keras.random.SeedGenerator in __init__ and pass it as "
            "the seed (or use the Sampling layer)",
        )

    # 3. Gradient through the sampling step: with mu = 0 and log sigma^2 = 0 for every image the KL
    #    has zero gradient, so only the reconstruction can move the heads - through z = mu + sigma * eps.
    #    The z_log_var head reaches the reconstruction only through the sample.
    heads = ("z_mean", "z_log_var")
    before = {
        h: [w.copy() for w in model.encoder.get_layer(h).get_weights()]
        for h in heads
    }
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    model.fit(inputs, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    unchanged = [
        h
        for h in heads
        if all(
            np.allclose(b, a)
            for b, a in zip(
                before[h], model.encoder.get_layer(h).get_weights()
            )
        )
    ]
    if unchanged:
        report(
            name,
            False,
            f"training did not change the encoder's {' and '.join(unchanged)} layer: no gradient "
            f"reaches the encoder through the sampling step. Draw eps with keras.random.normal and "
            f"build z with keras.ops (or use the Sampling layer), not with NumPy",
        )

    # 4. A few steps of real training lower the loss.
    model.encoder.set_weights(reference.encoder.get_weights())
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(
        inputs, epochs=8, batch_size=len(x), shuffle=False, verbose=0
    )
    losses = history.history.get("loss", [])
    if (
        not losses
        or not np.all(np.isfinite(losses))
        or not losses[-1] < losses[0]
    ):
        report(
            name,
            False,
            f"eight training steps on a fixed batch did not lower the loss: {np.round(losses, 1)}",
        )
    report(
        name,
        True,
        f"loss = reconstruction {rec:.1f} + KL {kl:.1f} nats on fixed weights and a fixed "
        f"batch; every call samples a new z; gradients reach both encoder heads through "
        f"the sampling step; eight training steps lower the loss",
    )


def check_vae_class(vae_class) -> None:
    """Check a learner's VAE class: ``vae_class(latent_dim=2)`` must build a keras.Model with ``encoder`` and
    ``decoder`` from :func:`~cvae_utils.networks.build_encoder` / ``build_decoder``, whose ``call`` returns
    ``{"logits", "z_mean", "z_log_var"}`` for one sampled z per image and whose ``compute_loss`` returns the
    batch mean of the -ELBO.

    On fixed weights and a fixed batch it compares z_mean, the logits (with sigma = 0, so z = mu) and the
    loss with the package's; with sigma = 1 it checks that the model samples (its logits are not
    decoder(z_mean), and two calls in training mode draw different z); it checks that training moves
    both encoder heads, z_mean and z_log_var, through the sampling step (with the KL's gradient zero,
    only the reconstruction can), and that eight steps lower the loss.
    """
    _check_model_class(vae_class, "check_vae_class", conditional=False)
