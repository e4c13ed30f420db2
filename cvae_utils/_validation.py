"""Argument validation shared by every public function (private: the chapters never call it).

Learners pass the wrong thing all the time (labels as one-hot, images without a channel axis,
pixels in 0..255). Each check raises ValueError/TypeError with what was expected and what was
given, before any backend op turns the mistake into an unreadable stack trace.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

IMAGE_SHAPE = (28, 28, 1)


def as_array(x, name: str) -> np.ndarray:
    """Convert array-likes and backend tensors to NumPy, or raise TypeError."""
    if isinstance(x, (str, bytes, dict)) or x is None:
        raise TypeError(
            f"{name} must be an array of numbers, got {type(x).__name__}"
        )
    try:
        import keras

        if not isinstance(x, np.ndarray) and keras.ops.is_tensor(x):
            x = keras.ops.convert_to_numpy(x)
        arr = np.asarray(x)
    except Exception as exc:  # noqa: BLE001 - any conversion failure means "not an array"
        raise TypeError(
            f"{name} must be an array of numbers, got {type(x).__name__}"
        ) from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must hold real numbers, got dtype {arr.dtype}"
        )
    return arr


def check_images(
    x, name: str = "x", image_shape=IMAGE_SHAPE, probabilities: bool = True
) -> np.ndarray:
    """Validate a batch of images; return it as float32 NumPy of shape (N, *image_shape).

    A single image of shape ``image_shape`` and a batch without the channel axis (N, H, W)
    are not silently reshaped: both are common mistakes and the message says how to fix them.
    """
    arr = as_array(x, name)
    expected = "(N, " + ", ".join(str(d) for d in image_shape) + ")"
    if arr.ndim == len(image_shape) and arr.shape == tuple(image_shape):
        raise ValueError(
            f"{name} must be a batch of images of shape {expected}; got a single image of "
            f"shape {arr.shape} - add a batch axis with x[None]"
        )
    if arr.ndim == len(image_shape) and tuple(arr.shape[1:]) == tuple(
        image_shape[:-1]
    ):
        raise ValueError(
            f"{name} must have shape {expected}, got {arr.shape}: add the channel axis "
            f"with x[..., None]"
        )
    if arr.ndim != len(image_shape) + 1 or tuple(arr.shape[1:]) != tuple(
        image_shape
    ):
        raise ValueError(f"{name} must have shape {expected}, got {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty: expected at least one image of shape {tuple(image_shape)}"
        )
    return _finite_pixels(
        arr.astype("float32", copy=False), name, probabilities
    )


def _finite_pixels(
    arr: np.ndarray, name: str, unit_interval: bool, why: str = ""
) -> np.ndarray:
    """arr itself, after checking it is finite and (with ``unit_interval``) within [0, 1]."""
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} contains NaN or infinite values ({int(np.sum(~np.isfinite(arr)))} entries)"
        )
    if unit_interval:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0.0 or hi > 1.0:
            hint = " - divide uint8 images by 255" if hi > 1.0 else ""
            raise ValueError(
                f"{name} must hold pixel values in [0, 1]{why}, got values in [{lo:g}, {hi:g}]{hint}"
            )
    return arr


def check_image_stack(
    images, name: str = "images", pixel_range: bool = False
) -> np.ndarray:
    """Images of any size (N, H, W) or (N, H, W, 1) as an (N, H, W) array, for drawing.

    With ``pixel_range`` the values must lie in [0, 1] (the scale images are drawn on).
    """
    arr = as_array(images, name)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        raise ValueError(
            f"{name} must be a batch of shape (N, H, W) or (N, H, W, 1), got a single image of "
            f"shape {arr.shape} - add a batch axis with images[None]"
        )
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must have shape (N, H, W) or (N, H, W, 1), got {arr.shape}"
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype == bool:
        arr = arr.astype("float32")
    return _finite_pixels(
        arr, name, pixel_range, why=" (they are drawn on that scale)"
    )


def check_labels(
    y, num_classes: int, n: int | None = None, name: str = "y"
) -> np.ndarray:
    """Validate integer class labels in [0, num_classes); return int32 NumPy of shape (N,)."""
    num_classes = check_positive_int(num_classes, "num_classes", minimum=2)
    arr = as_array(y, name)
    if arr.ndim == 0:
        raise ValueError(
            f"{name} must be integer labels of shape (N,), got the single number {arr.item()!r} "
            f"- pass a list or array, e.g. [{arr.item()!r}]"
        )
    if arr.ndim == 2 and arr.shape[1] == num_classes and arr.shape[1] > 1:
        raise ValueError(
            f"{name} must be integer labels of shape (N,), got shape {arr.shape} - it looks "
            f"one-hot encoded; pass y.argmax(axis=1) instead"
        )
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be integer labels of shape (N,), got shape {arr.shape}"
        )
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(
                f"{name} must hold whole-number class labels, got non-integer values"
            )
    elif arr.dtype == bool:
        raise TypeError(f"{name} must hold integer class labels, got booleans")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{name} must hold labels in [0, {num_classes}), got values in "
            f"[{arr.min():g}, {arr.max():g}]"
        )
    if n is not None and arr.shape[0] != n:
        raise ValueError(
            f"{name} has {arr.shape[0]} labels but there are {n} images; they must match"
        )
    return arr.astype("int32")


def check_latent(z, latent_dim: int, name: str = "z") -> np.ndarray:
    """Validate latent codes of shape (N, latent_dim); return float32 NumPy."""
    arr = as_array(z, name)
    if arr.ndim == 1 and arr.shape[0] == latent_dim:
        raise ValueError(
            f"{name} must have shape (N, {latent_dim}), got a single code of shape {arr.shape} "
            f"- add a batch axis with z[None]"
        )
    if arr.ndim != 2 or arr.shape[1] != latent_dim:
        raise ValueError(
            f"{name} must have shape (N, {latent_dim}), got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty: expected at least one code of shape ({latent_dim},)"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} contains NaN or infinite values ({int(np.sum(~np.isfinite(arr)))} entries)"
        )
    return arr.astype("float32", copy=False)


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Validate an integer >= minimum (booleans are rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value}"
        )
    return int(value)


def check_choice(value, name: str, choices) -> str:
    """Validate that value is one of the allowed strings."""
    try:
        allowed = value in choices
    except TypeError:  # unhashable values cannot be in a set of strings
        allowed = False
    if not allowed:
        raise ValueError(
            f"{name} must be one of {sorted(choices)}, got {value!r}"
        )
    return value


def _range_words(low, high, open_low, open_high) -> str:
    """The range as a learner reads it: "> 0", ">= 0", "in [0, 1]", "in (0, 0.5)"."""
    if low is not None and high is not None:
        return (
            f"in {'(' if open_low else '['}{low:g}, {high:g}"
            f"{')' if open_high else ']'}"
        )
    if low is not None:
        return f"{'>' if open_low else '>='} {low:g}"
    if high is not None:
        return f"{'<' if open_high else '<='} {high:g}"
    return ""


def check_number(
    value,
    name: str,
    low=None,
    high=None,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """A finite real number (not a boolean) within [low, high]; float.

    ``open_low``/``open_high`` exclude the ends. A value that is not a
    number raises TypeError, a number out of range ValueError.
    """
    words = " " + _range_words(low, high, open_low, open_high)
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Real
    ):
        raise TypeError(
            f"{name} must be a number{words.rstrip()}, got "
            f"{type(value).__name__} {value!r}"
        )
    inside = math.isfinite(value)
    if inside and low is not None:
        inside = value > low if open_low else value >= low
    if inside and high is not None:
        inside = value < high if open_high else value <= high
    if not inside:
        finite = "" if low is not None and high is not None else "finite "
        raise ValueError(
            f"{name} must be a {finite}number{words.rstrip()}, got {value!r}"
        )
    return float(value)


def check_nonnegative_float(value, name: str) -> float:
    """Validate a finite real number >= 0."""
    return check_number(value, name, low=0)


def check_positive_float(value, name: str) -> float:
    """Validate a finite real number > 0."""
    return check_number(value, name, low=0, open_low=True)


def check_unit_float(value, name: str) -> float:
    """Validate a number in [0, 1]."""
    return check_number(value, name, low=0, high=1)


def check_course_model(model, who: str = "model") -> bool:
    """Whether a course model (Autoencoder, VAE or CVAE) is conditional.

    A course model has a ``decode`` method and an integer ``latent_dim``;
    anything else raises TypeError naming ``who``. The one place that
    decides "conditional or not".
    """
    latent_dim = getattr(model, "latent_dim", None)
    if (
        not callable(getattr(model, "decode", None))
        or isinstance(latent_dim, bool)
        or not isinstance(latent_dim, numbers.Integral)
    ):
        raise TypeError(
            f"{who} needs a cvae_utils model (a course model "
            f"with decode() and latent_dim: Autoencoder, VAE "
            f"or CVAE), got {type(model).__name__}"
        )
    return bool(getattr(model, "conditional", False))


def check_class(value, num_classes: int | None, name: str = "label"):
    """One integer class label in [0, num_classes), or None; int."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Integral
    ):
        raise TypeError(
            f"{name} must be one integer class label, got "
            f"{type(value).__name__} {value!r}"
        )
    if num_classes is not None and not 0 <= value < num_classes:
        raise ValueError(
            f"{name} must be a class label in [0, {num_classes}), got {value}"
        )
    return int(value)


def check_bool(value, name: str) -> bool:
    """Validate a flag: True or False (NumPy booleans too; not 0/1 or strings)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be True or False, got {type(value).__name__} {value!r}"
        )
    return bool(value)


def check_seed(seed, name: str = "seed"):
    """Validate a random seed: None or a non-negative integer."""
    if seed is None:
        return None
    return check_positive_int(seed, name, minimum=0)


def check_class_labels(
    labels, n: int | None = None, name: str = "labels"
) -> np.ndarray:
    """Whole-number class labels >= 0 of shape (N,) (the number of classes is not known), as int64."""
    arr = as_array(labels, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be integer class labels of shape (N,), got shape {arr.shape}"
            + (
                " - it looks one-hot encoded; pass labels.argmax(axis=1)"
                if arr.ndim == 2
                else ""
            )
        )
    if n is not None and len(arr) != n:
        raise ValueError(
            f"{name} has {len(arr)} entries but there are {n} items; they must match"
        )
    if arr.dtype == bool:
        raise TypeError(f"{name} must hold integer class labels, got booleans")
    if np.issubdtype(arr.dtype, np.floating) and (
        not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr))
    ):
        raise ValueError(
            f"{name} must hold whole-number class labels, got non-integer values"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"{name} must be class labels >= 0, got values down to {arr.min():g}"
        )
    return arr.astype("int64")


def check_names(names, count: int, what: str):
    """class_names/titles: a list (not a string) with at least ``count`` entries."""
    if isinstance(names, (str, bytes)) or not hasattr(names, "__len__"):
        raise TypeError(
            f"{what} must be a list of strings, got {type(names).__name__}"
        )
    if len(names) < count:
        raise ValueError(
            f"{what} must have at least {count} entries (one per class), got {len(names)}"
        )
    return names


def check_list(value, count: int, not_list: str, wrong_length: str):
    """A list (not a string) with exactly ``count`` entries; returns it.

    The messages are ``str.format`` templates with one field: ``not_list``
    (a TypeError) gets the type's name, ``wrong_length`` (a ValueError) the
    length found.
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(not_list.format(type(value).__name__))
    if len(value) != count:
        raise ValueError(wrong_length.format(len(value)))
    return value


def named_items(mapping, key_message: str):
    """The items of ``mapping``, each key checked as the loop reaches it: a
    TypeError ``key_message.format(key)`` for the first that is not a
    non-empty string."""
    for name, value in mapping.items():
        if not isinstance(name, str) or not name:
            raise TypeError(key_message.format(name))
        yield name, value


def check_points(points, name: str, dim: int | None = 2) -> np.ndarray:
    """An (N, dim) array of finite numbers as float64 (dim=None accepts any width)."""
    arr = as_array(points, name)
    if arr.ndim != 2 or (dim is not None and arr.shape[1] != dim):
        want = f"(N, {dim})" if dim is not None else "(N, D)"
        hint = " - add a batch axis with points[None]" if arr.ndim == 1 else ""
        raise ValueError(
            f"{name} must have shape {want}, got {arr.shape}{hint}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: expected at least one point")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.astype("float64")
