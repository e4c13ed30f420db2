"""Animations of training snapshots that play on the static website and in Jupyter/Colab."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib import animation

from .._validation import check_positive_int
from .images import tile

__all__ = ["grid_animation"]


def grid_animation(snapshots, ncols: int, interval: int = 300, title: str = "Decoded latent grid"):
    """A matplotlib FuncAnimation over (epoch, images) snapshots, each tiled ``ncols`` wide.

    Show it with ``IPython.display.HTML(anim.to_jshtml())`` (self-contained HTML + JavaScript,
    works offline) or save it with ``anim.save("grid.gif", writer="pillow")``.

    Introduced in chapter 04, *Variational autoencoders*.
    """
    if isinstance(snapshots, (str, bytes)) or not hasattr(snapshots, "__len__"):
        raise TypeError(f"snapshots must be a list of (epoch, images) pairs (LatentGridSnapshots.snapshots), "
                        f"got {type(snapshots).__name__}")
    if len(snapshots) == 0:
        raise ValueError("snapshots is empty: train with a LatentGridSnapshots callback first")
    for i, item in enumerate(snapshots):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ValueError(f"snapshots[{i}] must be an (epoch, images) pair, got {type(item).__name__}")
    ncols = check_positive_int(ncols, "ncols")
    interval = check_positive_int(interval, "interval")
    frames = [(epoch, tile(images, ncols)) for epoch, images in snapshots]
    shapes = {canvas.shape for _, canvas in frames}
    if len(shapes) > 1:
        raise ValueError(f"every snapshot must hold the same number of images of the same size, got canvases "
                         f"of shapes {sorted(shapes)}")
    fig, ax = plt.subplots(figsize=(5, 5))
    image = ax.imshow(frames[0][1], cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    heading = ax.set_title(f"{title}, epoch {frames[0][0]}")

    def update(i):
        epoch, canvas = frames[i]
        image.set_data(canvas)
        heading.set_text(f"{title}, epoch {epoch}")
        return image, heading

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False)
    plt.close(fig)  # the animation is shown by to_jshtml(); avoid a duplicate static figure
    return anim
