"""The trained models in the reader's page: weights exported for a forward pass
in JavaScript.

The live widgets of the website
(:func:`~cvae_utils.plots.explorer.latent_explorer` and
:func:`~cvae_utils.plots.explorer.draw_digit`) run a chapter's dense VAE or
CVAE in the browser with ``_static/live-models.js``: a few lines of plain
JavaScript for Dense layers with ReLU, and a sigmoid on the decoder's logits.
:func:`export_web_model` writes what that script reads into
``_static/models/<name>/``:

- ``manifest.json``: the model's shape (latent size, classes, label names) and,
  per network, its Dense layers in order: units, activation and where their
  numbers sit in the binary file;
- ``encoder.bin`` and ``decoder.bin``: per layer the bias and one scale per
  output unit (float32), then the kernel as int8, ``kernel = int8 * scale``
  column by column.

Eight-bit kernels make a dense MNIST VAE about 1 MB per model, fetched only
when a reader first touches a widget; the float32 model would be 4 MB, and
running an ONNX export with onnxruntime-web would add that runtime's
WebAssembly (11.2 MB for version 1.20.1) to the page. :func:`load_web_model`
rebuilds the package's Keras networks from those files, so tests (and readers)
can check that the page computes what Keras computes with the same weights.

    from cvae_utils import export_web_model
    export_web_model(vae, "vae-04")        # after training, in the chapter
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np

from .config import is_fast
from .networks import build_decoder, build_encoder

__all__ = ["WebModel", "export_web_model", "load_web_model"]

FORMAT = 1
MANIFEST = "manifest.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ACTIVATIONS = ("relu", "linear")
# the encoder's two outputs and the decoder's one, in the order of the
# manifest's heads
HEADS = {"encoder": ("z_mean", "z_log_var"), "decoder": ("logits",)}


class WebModel(NamedTuple):
    """Keras networks rebuilt from an exported folder (see
    :func:`load_web_model`).

    Introduced in chapter 04, *Variational autoencoders*.
    """

    encoder: (
        keras.Model
    )  # [image (N, 28, 28, 1), one-hot label] -> [z_mean, z_log_var]
    decoder: (
        keras.Model
    )  # [z, one-hot label] -> Bernoulli logits (N, 28, 28, 1)
    manifest: dict


def _check_model(model):
    from .models import (
        VAE,
    )  # models imports nothing from here; a local import keeps layers flat

    if not isinstance(model, VAE):
        raise TypeError(
            "model must be a trained VAE or CVAE from cvae_utils.models, "
            f"got {type(model).__name__}"
        )
    if model.architecture != "dense":
        raise ValueError(
            "only the dense architecture runs in the page (the JavaScript "
            f"knows Dense layers), got architecture={model.architecture!r}"
        )
    if model.likelihood != "bernoulli":
        raise ValueError(
            "the page shows sigmoid(logits), the mean of a Bernoulli decoder; "
            f"got likelihood={model.likelihood!r}"
        )


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if not NAME.match(name):
        raise ValueError(
            "name must be 1-64 lower-case letters, digits, '-' or '_' "
            f"(it names a folder and a URL), got {name!r}"
        )
    return name


def _dense_layers(network, role):
    """The network's Dense layers: its chain, then its output heads."""
    dense = [
        layer
        for layer in network.layers
        if isinstance(layer, keras.layers.Dense)
    ]
    count = len(HEADS[role])
    for layer in dense:
        activation = layer.get_config()["activation"]
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"layer {layer.name} has activation {activation!r}; the "
                f"page knows {ACTIVATIONS}"
            )
    return dense[:-count], dense[-count:]


def _quantize(kernel):
    """int8 columns and their scales: ``kernel ~ q * scale`` (one scale per
    output)."""
    kernel = np.asarray(kernel, dtype="float64")
    scale = np.abs(kernel).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(kernel / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def _pack(network, role):
    """The binary file of one network and its manifest entry."""
    chain, heads = _dense_layers(network, role)
    chunks, layers, offset = [], [], 0
    for position, layer in enumerate(chain + heads):
        kernel, bias = (np.asarray(w) for w in layer.get_weights())
        q, scale = _quantize(kernel)
        entry = {
            "inputs": int(kernel.shape[0]),
            "units": int(kernel.shape[1]),
            "activation": layer.get_config()["activation"],
            "head": position >= len(chain),
        }
        if entry["head"]:
            entry["output"] = HEADS[role][position - len(chain)]
        for key, data in (
            ("bias", bias.astype("<f4")),
            ("scale", scale.astype("<f4")),
            ("kernel", q),
        ):
            raw = data.tobytes()
            entry[key] = offset
            padding = -len(raw) % 4  # keeps every float32 array 4-byte aligned
            chunks.append(raw + b"\0" * padding)
            offset += len(raw) + padding
        layers.append(entry)
    return b"".join(chunks), {
        "file": f"{role}.bin",
        "bytes": offset,
        "layers": layers,
    }


def _default_folder(name):
    """``_static/models/<name>`` of the book this runs in, or a temporary
    folder; and how to name it in the printed line."""
    if is_fast():
        why = "(fast mode: the website keeps the full run's model; a temporary folder)"
    else:
        for book in (Path.cwd(), *Path.cwd().parents):
            if (book / "_config.yml").is_file() and (
                book / "_static"
            ).is_dir():
                relative = Path("_static") / "models" / name
                # the book-relative path: the page shows no one's disk layout
                return (
                    book / relative,
                    f"{relative.as_posix()} for the website",
                )
        why = "(no course website here: a temporary folder)"
    folder = Path(tempfile.mkdtemp(prefix="cvae-web-")) / name
    return folder, f"{folder} {why}"


def export_web_model(model, name: str, out_dir=None, label_names=None) -> Path:
    """Write a dense VAE's or CVAE's encoder and decoder for the website's live
    widgets.

    Args:
        model: a trained ``VAE`` or ``CVAE`` (dense architecture, Bernoulli
            decoder).
        name: the folder's name, e.g. ``"vae-04"``; the widgets find the model
            by it.
        out_dir: the folder to write into; by default ``_static/models/<name>``
            of the book when the notebook runs inside the course repository in
            full mode (the website serves it), else a new temporary folder (in
            Colab, say, or in fast mode, so that a quick test run never
            replaces the full run's model); the printed line says which.
        label_names: the classes' names for the CVAE's menus (default "0", "1",
            ...).

    Writes ``manifest.json``, ``encoder.bin`` and ``decoder.bin`` (int8 kernels
    with one float32 scale per unit, float32 biases), prints one line saying
    where and how big, and returns the folder.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    _check_model(model)
    name = _check_name(name)
    conditional = bool(getattr(model, "conditional", False))
    num_classes = int(model.num_classes) if conditional else None
    if label_names is None:
        names = [str(i) for i in range(num_classes or 0)]
    elif isinstance(label_names, (str, bytes)) or not hasattr(
        label_names, "__len__"
    ):
        raise TypeError(
            f"label_names must be a list of names, got {type(label_names).__name__}"
        )
    elif not conditional:
        raise ValueError(
            "label_names belong to a CVAE; this model has no labels"
        )
    elif len(label_names) != num_classes:
        raise ValueError(
            f"label_names must have one name per class ({num_classes}), "
            f"got {len(label_names)}"
        )
    else:
        names = [str(n) for n in label_names]
    if out_dir is None:
        folder, where = _default_folder(name)
    elif not isinstance(out_dir, (str, Path)):
        raise TypeError(
            f"out_dir must be a path, got {type(out_dir).__name__}"
        )
    else:
        folder = Path(out_dir)
        where = str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "name": name,
        "latent_dim": int(model.latent_dim),
        "num_classes": num_classes,
        "label_names": names,
        "image_shape": [28, 28, 1],
        "networks": {},
    }
    total = 0
    for role, network in (
        ("encoder", model.encoder),
        ("decoder", model.decoder),
    ):
        data, entry = _pack(network, role)
        (folder / entry["file"]).write_bytes(data)
        manifest["networks"][role] = entry
        total += len(data)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"Web model {name!r}: {total / 1e6:.2f} MB in {where}")
    return folder


def _read_manifest(folder):
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a path, got {type(folder).__name__}")
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ValueError(
            f"{folder} holds no {MANIFEST}: export a model with export_web_model"
        )
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(
            f"{path} has format {manifest.get('format')!r}, this package reads {FORMAT}"
        )
    return manifest


def _unpack(raw, layer):
    """Float32 kernel and bias of one layer from its binary file."""
    n_in, units = layer["inputs"], layer["units"]
    bias = np.frombuffer(raw, "<f4", units, layer["bias"])
    scale = np.frombuffer(raw, "<f4", units, layer["scale"])
    q = np.frombuffer(raw, np.int8, n_in * units, layer["kernel"]).reshape(
        n_in, units
    )
    return (q.astype(np.float32) * scale).astype(np.float32), bias.astype(
        np.float32
    )


def load_web_model(folder) -> WebModel:
    """The package's Keras encoder and decoder with the weights of an exported
    folder.

    The networks compute what the page computes (to float32 rounding): the int8
    kernels times their scales. Returns a :class:`WebModel` (encoder, decoder,
    manifest).

    Introduced in chapter 04, *Variational autoencoders*.
    """
    manifest = _read_manifest(folder)
    networks = {
        "encoder": build_encoder(
            manifest["latent_dim"], "dense", manifest["num_classes"]
        ),
        "decoder": build_decoder(
            manifest["latent_dim"], "dense", manifest["num_classes"]
        ),
    }
    for role, network in networks.items():
        entry = manifest["networks"][role]
        raw = (Path(folder) / entry["file"]).read_bytes()
        if len(raw) != entry["bytes"]:
            raise ValueError(
                f"{entry['file']} has {len(raw)} bytes, the manifest says {entry['bytes']}"
            )
        chain, heads = _dense_layers(network, role)
        if len(chain + heads) != len(entry["layers"]):
            raise ValueError(
                f"the {role} in {folder} has {len(entry['layers'])} layers, "
                f"the package's has {len(chain + heads)}"
            )
        for layer, stored in zip(chain + heads, entry["layers"]):
            layer.set_weights(list(_unpack(raw, stored)))
    return WebModel(networks["encoder"], networks["decoder"], manifest)
