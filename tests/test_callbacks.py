"""cvae_utils.callbacks: the compact training log, latent-grid snapshots, and a seeded run that repeats."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from helpers import binary_images, class_labels, compile_model, weights_of

from cvae_utils import config
from cvae_utils.callbacks import EpochLog, LatentGridSnapshots
from cvae_utils.models import CVAE, VAE


def test_set_seed_reproduces_a_training_run():
    """One config.set_seed call before building and training gives identical weights (CPU, same
    process, compiled training step with shuffling); another seed gives different ones."""
    x = binary_images(48)

    def run(seed):
        config.set_seed(seed)
        model = VAE(latent_dim=2)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(x, epochs=1, batch_size=16, verbose=0)
        return weights_of(model)

    first, second, other = run(5), run(5), run(6)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_latent_grid_snapshots_record_every_epoch():
    model = compile_model(CVAE(latent_dim=2, num_classes=3))
    snaps = LatentGridSnapshots(np.zeros((4, 2)), every=1, label=2)
    x = binary_images(16)
    history = model.fit(
        [x, class_labels(16, 3)],
        epochs=2,
        batch_size=8,
        verbose=0,
        callbacks=[snaps],
    )
    assert [epoch for epoch, _ in snaps.snapshots] == [0, 1, 2]
    assert all(images.shape == (4, 28, 28, 1) for _, images in snaps.snapshots)
    assert not np.array_equal(snaps.snapshots[0][1], snaps.snapshots[-1][1])
    assert len(history.history["loss"]) == 2


def test_latent_grid_snapshots_doubling_keeps_powers_of_two_and_the_last():
    model = compile_model(VAE(latent_dim=2))
    snaps = LatentGridSnapshots(np.zeros((4, 2)), doubling=True)
    model.fit(
        binary_images(16), epochs=6, batch_size=8, verbose=0, callbacks=[snaps]
    )
    assert [epoch for epoch, _ in snaps.snapshots] == [0, 1, 2, 4, 6]


def test_latent_grid_snapshots_end_on_the_last_epoch():
    model = compile_model(VAE(latent_dim=2))
    snaps = LatentGridSnapshots(np.zeros((4, 2)), every=2)
    model.fit(
        binary_images(16), epochs=3, batch_size=8, verbose=0, callbacks=[snaps]
    )
    assert [epoch for epoch, _ in snaps.snapshots] == [0, 2, 3]


# -- EpochLog: the compact training log -------------------------------------------------------


def test_epoch_log_prints_every_nth_epoch_and_the_last_with_the_loss_terms(
    capsys,
):
    x = binary_images(32)
    model = compile_model(VAE(latent_dim=2))
    history = model.fit(
        x,
        epochs=7,
        batch_size=16,
        validation_data=(x[:8],),
        verbose=0,
        callbacks=[EpochLog(every=3)],
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["3/7", "6/7", "7/7"]
    h = history.history
    last = lines[-1]
    assert (
        f"loss {h['loss'][-1]:.2f}" in last
        and f"rec {h['reconstruction_loss'][-1]:.2f}" in last
    )
    assert f"kl {h['kl_loss'][-1]:.2f}" in last
    assert (
        f"| val loss {h['val_loss'][-1]:.2f}" in last
        and f"kl {h['val_kl_loss'][-1]:.2f}" in last
    )
    assert last.endswith("s/epoch")


def test_epoch_log_without_validation_data_has_no_val_part_and_rejects_a_bad_every(
    capsys,
):
    model = compile_model(VAE(latent_dim=2))
    model.fit(
        binary_images(16),
        epochs=2,
        batch_size=16,
        verbose=0,
        callbacks=[EpochLog(every=1)],
    )
    out = capsys.readouterr().out
    assert out.count("\n") == 2 and "val" not in out
    with pytest.raises(ValueError, match="every"):
        EpochLog(every=0)
    with pytest.raises(TypeError, match="every"):
        EpochLog(every=2.5)
