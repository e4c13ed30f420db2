"""train(): resuming an interrupted run loses nothing, NaN stops training, seeds reproduce a run."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest
from conftest import binary_images, class_labels, compile_model, weights_of

from cvae_utils import config
from cvae_utils.models import CVAE, VAE
from cvae_utils.training import LatentGridSnapshots, ResumableBackupAndRestore, recommended_callbacks, train


class Interrupted(Exception):
    """Stands for a killed process (Colab disconnect, out of time) in the middle of an epoch."""


class InterruptAt(keras.callbacks.Callback):
    """Raise at the end of the ``step``-th training batch (1-based, counted across epochs)."""

    def __init__(self, step):
        super().__init__()
        self.step, self.seen = step, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            raise Interrupted(f"interrupted after {self.seen} batches")


def _model(kind, seed):
    """A fresh compiled model; set_seed first so that its initial weights depend on ``seed`` only."""
    config.set_seed(seed)
    model = VAE(latent_dim=2, seed=seed) if kind == "VAE" else CVAE(latent_dim=2, num_classes=3, seed=seed)
    return compile_model(model)


@pytest.mark.parametrize("kind", ["VAE", "CVAE"])
def test_interrupted_training_resumes_to_the_same_weights(tmp_path, kind):
    """Train 3 epochs of 3 batches uninterrupted; separately, kill a run in the middle of its
    second epoch (global step 5), then call train() again with the same backup_dir - in a model
    built with a *different* seed, as a new process would. Both must end with identical weights.

    What makes exact equality possible (and what the test therefore checks):
    - BackupAndRestore restores weights, optimizer state and the epoch counter from the backup
      written at the end of epoch 1; the partly trained epoch 2 is rerun from its start;
    - ResumableBackupAndRestore also restores the Sampling layer's random-generator state, so the
      rerun draws the same epsilon (the resumed model's own seed differs, so without this restore
      the weights would differ);
    - shuffle=False: Keras does not back up the shuffling order (a new fit() call draws a new
      one), so with shuffling a resumed run is statistically equivalent but not bit-identical.
    """
    x = binary_images(48)
    data = x if kind == "VAE" else [x, class_labels(48, 3)]
    fit = dict(epochs=3, batch_size=16, verbose=0, shuffle=False)

    reference = _model(kind, seed=11)
    train(reference, data, **fit)

    backup = tmp_path / "backup"
    first = _model(kind, seed=11)
    with pytest.raises(Interrupted):
        train(first, data, backup_dir=backup, callbacks=[InterruptAt(5)], **fit)
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 1
    assert (backup / "rng_state.json").is_file()

    resumed = _model(kind, seed=99)
    assert not all(np.array_equal(a, b) for a, b in zip(weights_of(resumed), weights_of(reference)))
    history = train(resumed, data, backup_dir=backup, **fit)
    assert len(history.history["loss"]) == 2, "the resumed run must skip the finished first epoch"
    assert not backup.exists(), "a finished run deletes its backup"
    assert int(keras.ops.convert_to_numpy(resumed.optimizer.iterations)) == 9
    for a, b in zip(weights_of(resumed), weights_of(reference)):
        np.testing.assert_array_equal(a, b)


def test_batch_level_backups_are_written_and_restored(tmp_path):
    """With save_freq in batches a backup exists before the first epoch ends. Keras records the
    batch but resumes at the start of that epoch, so only the step counter is compared here."""
    x = binary_images(48)
    backup = tmp_path / "backup"
    model = _model("VAE", seed=3)
    with pytest.raises(Interrupted):
        train(model, x, epochs=2, batch_size=16, verbose=0, backup_dir=backup, save_freq=2,
              callbacks=[InterruptAt(2)])
    assert (backup / "latest.weights.h5").is_file()
    resumed = _model("VAE", seed=4)
    history = train(resumed, x, epochs=2, batch_size=16, verbose=0, backup_dir=backup, save_freq=2)
    assert len(history.history["loss"]) == 2  # still in epoch 0: both epochs run
    # 2 restored steps + 6 new ones
    assert int(keras.ops.convert_to_numpy(resumed.optimizer.iterations)) == 8


def test_recommended_callbacks():
    plain = recommended_callbacks()
    assert [type(cb) for cb in plain] == [keras.callbacks.TerminateOnNaN]
    with_backup = recommended_callbacks("some/folder", save_freq=10)
    assert isinstance(with_backup[0], keras.callbacks.TerminateOnNaN)
    assert isinstance(with_backup[1], keras.callbacks.BackupAndRestore)
    assert isinstance(with_backup[1], ResumableBackupAndRestore)
    assert with_backup[1].save_freq == 10


def test_train_stops_on_nan(tmp_path):
    """TerminateOnNaN is really wired into train(): a NaN weight makes the loss NaN in the first
    batch, and training stops there instead of running all 5 epochs."""
    model = compile_model(VAE(latent_dim=2))
    layer = [layer for layer in model.decoder.layers if layer.weights][-1]
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, np.full_like(bias, np.nan)])
    history = train(model, binary_images(48), epochs=5, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 1
    assert np.isnan(history.history["loss"][0])


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
    history = train(model, [x, class_labels(16, 3)], epochs=2, batch_size=8, verbose=0, callbacks=[snaps])
    assert [epoch for epoch, _ in snaps.snapshots] == [0, 1, 2]
    assert all(images.shape == (4, 28, 28, 1) for _, images in snaps.snapshots)
    assert not np.array_equal(snaps.snapshots[0][1], snaps.snapshots[-1][1])
    assert len(history.history["loss"]) == 2


def test_train_rejects_an_uncompiled_model():
    with pytest.raises(ValueError, match="compile the model first"):
        train(VAE(latent_dim=2), binary_images(4), epochs=1)


def test_backup_dir_is_created_inside_an_existing_folder(tmp_path):
    nested = tmp_path / "runs" / "vae"
    model = compile_model(VAE(latent_dim=2))
    callback = recommended_callbacks(nested)[1]
    assert callback.backup_dir == os.fspath(nested)
    history = train(model, binary_images(16), epochs=1, batch_size=16, verbose=0, backup_dir=nested)
    assert len(history.history["loss"]) == 1 and not nested.exists()


# -- EpochLog: the compact training log -------------------------------------------------------

def test_epoch_log_prints_every_nth_epoch_and_the_last_with_the_loss_terms(capsys):
    from cvae_utils.training import EpochLog

    x = binary_images(32)
    model = compile_model(VAE(latent_dim=2))
    history = model.fit(x, epochs=7, batch_size=16, validation_data=(x[:8],), verbose=0, callbacks=[EpochLog(every=3)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["3/7", "6/7", "7/7"]
    h = history.history
    last = lines[-1]
    assert f"loss {h['loss'][-1]:.2f}" in last and f"rec {h['reconstruction_loss'][-1]:.2f}" in last
    assert f"kl {h['kl_loss'][-1]:.2f}" in last
    assert f"| val loss {h['val_loss'][-1]:.2f}" in last and f"kl {h['val_kl_loss'][-1]:.2f}" in last
    assert last.endswith("s/epoch")


def test_epoch_log_without_validation_data_has_no_val_part_and_rejects_a_bad_every(capsys):
    from cvae_utils.training import EpochLog

    model = compile_model(VAE(latent_dim=2))
    model.fit(binary_images(16), epochs=2, batch_size=16, verbose=0, callbacks=[EpochLog(every=1)])
    out = capsys.readouterr().out
    assert out.count("\n") == 2 and "val" not in out
    with pytest.raises(ValueError, match="every"):
        EpochLog(every=0)
    with pytest.raises(TypeError, match="every"):
        EpochLog(every=2.5)
