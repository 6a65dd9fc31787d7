"""Series -> image views: GAF against its definition, recurrence plots, rendered waveforms, errors.

The only test module that imports pyts (through fusionlab.imaging), so its ~20-s numba start-up is paid once.
"""

from __future__ import annotations

import numpy as np
import pytest

from fusionlab.spectral.imaging import gramian_angular_field, recurrence_plot, render_waveform


def test_gasf_equals_its_definition():
    """Wang & Oates (2015): rescale to [-1, 1], phi = arccos(x), G_ij = cos(phi_i + phi_j)."""
    x = np.array([[0.5, 2.0, -1.0, 3.0, 1.5, 0.0]])
    scaled = 2 * (x[0] - x[0].min()) / (x[0].max() - x[0].min()) - 1
    phi = np.arccos(scaled)
    expected = np.cos(phi[:, None] + phi[None, :])
    gaf = gramian_angular_field(x, image_size=6)
    assert gaf.shape == (1, 1, 6, 6) and gaf.dtype == np.float32
    np.testing.assert_allclose(gaf[0, 0], expected, atol=1e-6)
    gadf = gramian_angular_field(x, image_size=6, method="difference")
    np.testing.assert_allclose(gadf[0, 0], np.sin(phi[:, None] - phi[None, :]), atol=1e-6)


def test_gaf_channels_paa_and_scales():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 48, 3))
    gaf = gramian_angular_field(x, image_size=12)
    assert gaf.shape == (5, 3, 12, 12)
    np.testing.assert_allclose(gaf, gaf.transpose(0, 1, 3, 2), atol=1e-6)  # symmetric
    # channel c of sample i is the GAF of that series alone; PAA of 48 points to 12 = means of 4
    alone = gramian_angular_field(x[3, :, 1][None], image_size=12)
    np.testing.assert_allclose(gaf[3, 1], alone[0, 0], atol=1e-6)
    paa = x[3, :, 1].reshape(12, 4).mean(axis=1)
    np.testing.assert_allclose(gramian_angular_field(paa[None], image_size=12)[0, 0], alone[0, 0], atol=1e-6)
    # per-sample scaling forgets the level; a fixed range keeps it
    shifted = np.stack([x[0, :, 0], x[0, :, 0] + 1.0])
    sample = gramian_angular_field(shifted, image_size=12)
    np.testing.assert_allclose(sample[0], sample[1], atol=1e-6)
    fixed = gramian_angular_field(shifted, image_size=12, scale="fixed", value_range=(-5.0, 5.0))
    assert np.abs(fixed[0] - fixed[1]).max() > 0.1
    diagonal = 2 * np.clip((shifted[:, ::4] + shifted[:, 1::4] + shifted[:, 2::4] + shifted[:, 3::4]) / 20, -1, 1) ** 2 - 1
    np.testing.assert_allclose(np.diagonal(fixed[:, 0], axis1=1, axis2=2), diagonal, atol=1e-5)


def test_recurrence_plot():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 40, 2))
    rp = recurrence_plot(x, image_size=20)
    assert rp.shape == (4, 2, 20, 20) and rp.dtype == np.float32
    np.testing.assert_array_equal(np.diagonal(rp, axis1=2, axis2=3), 0.0)
    np.testing.assert_allclose(rp, rp.transpose(0, 1, 3, 2))
    paa = x[2, :, 1].reshape(20, 2).mean(axis=1)
    np.testing.assert_allclose(rp[2, 1], np.abs(paa[:, None] - paa[None, :]), atol=1e-6)
    embedded = recurrence_plot(x, image_size=16, dimension=3, time_delay=2)
    assert embedded.shape == (4, 2, 16, 16)
    binary = recurrence_plot(x[:, :, 0], image_size=20, threshold="point", percentage=20)
    assert set(np.unique(binary)) <= {0.0, 1.0}


def test_render_constant_and_ramp():
    flat = render_waveform(np.full((2, 50), 0.25), height=32)
    assert flat.shape == (2, 1, 32, 50) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat.sum(axis=2), 1.0)  # exactly one lit row per column
    row = np.rint((1.5 - 0.25) / 2.5 * 31)
    assert (flat[0, 0].argmax(axis=0) == row).all()
    ramp = render_waveform(np.linspace(-1.0, 1.5, 64)[None], height=32)[0, 0]
    lit = np.arange(32)[:, None] * ramp
    centre = lit.sum(axis=0) / ramp.sum(axis=0)
    assert (np.diff(centre) <= 0).all() and centre[0] == 31 and centre[-1] == 0  # rises to the top row
    assert (ramp.sum(axis=0) >= 1).all()
    # the fixed scale keeps amplitude: an offset moves the line, out-of-range values saturate
    high = render_waveform(np.full((1, 10), 9.0), height=8)[0, 0]
    assert (high[0] == 1).all() and high[1:].sum() == 0


def test_render_steep_edges_width_and_line_width():
    step = np.r_[np.zeros(10), np.ones(10)][None]
    image = render_waveform(step, height=26, amplitude_range=(0.0, 1.0))[0, 0]
    assert image[:, 10].sum() == 26  # the jump is drawn as a connected vertical segment
    wide = render_waveform(np.zeros((3, 100)), height=16, width=40, line_width=3, dtype=np.uint8)
    assert wide.shape == (3, 1, 16, 40) and wide.dtype == np.uint8
    np.testing.assert_array_equal(wide.sum(axis=2), 3)


@pytest.mark.parametrize("call, message", [
    (lambda: gramian_angular_field(np.zeros(10)), r"shape \(n, T\) or \(n, T, n_channels\)"),
    (lambda: gramian_angular_field(np.zeros((2, 10)), image_size=24), r"image_size=24 needs .* T=10"),
    (lambda: gramian_angular_field(np.zeros((0, 10))), "empty"),
    (lambda: gramian_angular_field(np.zeros((2, 10)), image_size=5, method="sum"), "method must be"),
    (lambda: gramian_angular_field(np.zeros((2, 10)), image_size=5, scale="fixed"), "needs value_range"),
    (lambda: gramian_angular_field(np.full((2, 10), np.nan), image_size=5), "must be finite"),
    (lambda: recurrence_plot(np.zeros((2, 10)), image_size=8, dimension=2, time_delay=3), "at least 11 time points"),
    (lambda: recurrence_plot(np.zeros((2, 3, 4, 5))), "4-D"),
    (lambda: render_waveform(np.zeros((2, 1, 10))), r"shape \(n, T\)"),
    (lambda: render_waveform(np.zeros((2, 0))), "empty"),
    (lambda: render_waveform(np.zeros((2, 10)), amplitude_range=(1.0, 1.0)), "low < high"),
    (lambda: render_waveform(np.zeros((2, 10)), height=1), "height must be"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
