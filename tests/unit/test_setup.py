"""Profiles, paths, devices, seeds and byte-stable figures."""

from __future__ import annotations

import random

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import fusionlab as fl


def test_unknown_profile_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match="unknown profile 'fast'.*'smoke', 'standard', 'extended', 'full'"):
        fl.profiles.check_profile("fast")
    monkeypatch.setenv("FUSIONLAB_PROFILE", "quick")
    with pytest.raises(ValueError, match="FUSIONLAB_PROFILE"):
        fl.profiles.default_profile()


def test_default_profile_honours_environment(monkeypatch):
    monkeypatch.delenv("FUSIONLAB_PROFILE", raising=False)
    assert fl.profiles.default_profile() == "standard"
    monkeypatch.setenv("FUSIONLAB_PROFILE", "smoke")
    assert fl.profiles.default_profile() == "smoke"
    assert fl.profiles.pick("full", smoke=1, standard=2) == 2
    assert fl.profiles.pick("full", smoke=1, standard=2, full=3) == 3


def test_smoke_profile_never_writes_the_committed_figures(monkeypatch):
    monkeypatch.delenv("FUSIONLAB_FIGURES", raising=False)
    committed = fl.paths.repo_root() / "figures"
    assert fl.paths.figures_dir("standard") == committed
    assert fl.paths.figures_dir("smoke") != committed
    assert committed not in fl.paths.figures_dir("smoke").parents


def test_savefig_is_byte_stable_and_atomic(tmp_path):
    def make():
        fig, ax = plt.subplots()
        ax.plot(np.sin(np.linspace(0, 6, 50)))
        return fig

    first = fl.viz.savefig(make(), "demo", directory=tmp_path).read_bytes()
    second = fl.viz.savefig(make(), "demo", directory=tmp_path).read_bytes()
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.png"]  # no temporary file left behind
    with pytest.raises(ValueError, match="bare file stem"):
        fl.viz.savefig(make(), "sub/demo.png", directory=tmp_path)
    plt.close("all")


def test_seed_everything_reproduces_every_generator():
    def draw():
        rng = fl.repro.seed_everything(11)
        return random.random(), np.random.rand(), rng.random(), torch.rand(1).item()

    assert draw() == draw()
    with pytest.raises(TypeError, match="seed must be an int"):
        fl.repro.seed_everything(1.5)


def test_device_selection():
    auto = fl.repro.get_device("auto")
    assert auto.type in ("cpu", "cuda", "mps")
    assert fl.repro.get_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            fl.repro.get_device("cuda")
    with pytest.raises(ValueError, match="not a valid torch device"):
        fl.repro.get_device("gpu0")
    assert {"python", "torch", "cuda_available"} <= set(fl.repro.env_info())
