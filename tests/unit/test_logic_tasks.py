"""Synthetic logic tasks: labels, exact posteriors and the Bayes-optimal ceiling."""

from __future__ import annotations

import numpy as np
import pytest

from fusionlab.data.synthetic.logic import (
    LOGIC_RULES,
    LogicTask,
    boundary_inputs,
    boundary_rule,
    make_boundary_data,
)


@pytest.mark.parametrize("rule", LOGIC_RULES)
def test_posterior_is_a_distribution_and_matches_the_ceiling(rule):
    task = LogicTask(rule, noise=0.5)
    data = task.sample(20000, seed=1)
    post = task.posterior(data.inputs)
    assert post.shape == (20000, task.n_classes)
    np.testing.assert_allclose(post.sum(axis=1), 1.0, atol=1e-9)
    assert post.min() >= 0
    empirical = (post.argmax(axis=1) == data.labels).mean()
    ceiling = task.bayes_optimal(200_000, seed=2)
    se = np.sqrt(ceiling["accuracy"] * (1 - ceiling["accuracy"]) / 20000)
    assert abs(empirical - ceiling["accuracy"]) < 4 * se
    # The posterior is calibrated: mean predicted probability of each class matches its frequency.
    np.testing.assert_allclose(post.mean(axis=0), np.bincount(data.labels, minlength=task.n_classes) / 20000, atol=0.015)


@pytest.mark.parametrize("rule", LOGIC_RULES)
def test_bayes_classifier_beats_simple_rules(rule):
    task = LogicTask(rule, noise=0.5)
    data = task.sample(5000, seed=3)
    bayes = (task.posterior(data.inputs).argmax(axis=1) == data.labels).mean()
    majority = np.bincount(data.labels).max() / len(data.labels)
    assert bayes > majority + 0.1


def test_ceiling_falls_with_noise():
    ceilings = [LogicTask("and", noise=s).bayes_accuracy(100_000) for s in (0.1, 0.5, 2.0)]
    assert ceilings[0] > ceilings[1] > ceilings[2]
    assert ceilings[0] > 0.97


def test_xor_single_modality_is_uninformative():
    task = LogicTask("xor", noise=0.1)
    data = task.sample(40000, seed=4)
    bit = data.latents[:, 0] > 0
    # P(y = 1 | one bit) stays at one half: parity hides every single modality.
    assert abs(data.labels[bit].mean() - 0.5) < 0.02 and abs(data.labels[~bit].mean() - 0.5) < 0.02


def test_classes_are_balanced():
    for rule, expected in (("and", [0.5, 0.5]), ("xor", [0.5, 0.5]), ("three_class", [5 / 16, 6 / 16, 5 / 16])):
        labels = LogicTask(rule).sample(40000, seed=5).labels
        np.testing.assert_allclose(np.bincount(labels) / len(labels), expected, atol=0.015)


def test_sampling_is_seeded():
    a, b = LogicTask("and").sample(100, seed=7), LogicTask("and").sample(100, seed=7)
    np.testing.assert_array_equal(a.inputs["m3"], b.inputs["m3"])
    assert a.inputs["m1"].shape == (100, 4, 1) and a.inputs["m4"].shape == (100, 10, 1)


def test_bad_task_parameters():
    with pytest.raises(ValueError, match="unknown logic rule 'nand'"):
        LogicTask("nand")
    with pytest.raises(ValueError, match="noise must be a positive number"):
        LogicTask("and", noise=0)
    with pytest.raises(ValueError, match="n_tokens must give 4"):
        LogicTask("and", n_tokens=(1, 2))


def test_boundary_dataset_follows_the_paper():
    data = make_boundary_data(20000, pad=500, seed=0)
    assert data.points.shape == (20000, 2)
    assert data.points.min() >= 0 and data.points.max() <= 500
    assert sum(x.shape[1] - 1 for x in data.inputs.values()) == 500  # 500 padding zeros per pair
    assert all(np.all(x[:, 1:] == 0) for x in data.inputs.values())
    np.testing.assert_array_equal(data.labels, boundary_rule(data.points[:, 0], data.points[:, 1], "sine"))
    assert 0.35 < data.labels.mean() < 0.65
    for rule in ("circle", "xor"):
        assert 0.45 < make_boundary_data(20000, rule=rule).labels.mean() < 0.55


def test_boundary_bad_input():
    with pytest.raises(ValueError, match="unknown boundary rule 'spiral'"):
        boundary_rule(np.zeros(3), np.zeros(3), "spiral")
    with pytest.raises(ValueError, match="points must have shape \\(n, 2\\)"):
        boundary_inputs(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="label_noise"):
        make_boundary_data(10, label_noise=0.7)
