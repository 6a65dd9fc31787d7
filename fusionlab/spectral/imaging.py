"""Series -> image views, the "image" modality of image + series fusion models (e.g. Step Fusion).

- :func:`gramian_angular_field` -- Gramian Angular Summation/Difference Fields (Wang & Oates 2015), one
  image per channel, computed by :mod:`pyts` (the field's reference library).
- :func:`recurrence_plot` -- distances between (embedded) time points (Eckmann et al. 1987), by :mod:`pyts`.
- :func:`render_waveform` -- the signal drawn as a line on a fixed amplitude scale, as a plot of a heartbeat
  looks: numpy only.

The two transforms built on :mod:`pyts` first shorten each series to ``image_size`` points by Piecewise
Aggregate Approximation (means over consecutive, near-equal segments), so an image costs
``image_size**2`` pixels whatever the series length. :mod:`pyts` compiles its kernels with numba on first
import (about 20 s), so it is imported inside the functions, never when this module is imported.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gramian_angular_field", "recurrence_plot", "render_waveform"]

_CHUNK = 4096  # series per pyts call: bounds the float64 intermediates


def _series(x, name: str = "x") -> tuple[np.ndarray, int, int]:
    """``(n, T)`` or ``(n, T, C)`` -> float64 ``(n * C, T)`` (channel-major per sample), ``n``, ``C``."""
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{name} must have shape (n, T) or (n, T, n_channels), got {x.ndim}-D shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); expected at least one sample of at least one time point")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite; found {int((~np.isfinite(x)).sum())} NaN/inf value(s)")
    x = x.astype(np.float64)
    if x.ndim == 2:
        return x, x.shape[0], 1
    n, t, c = x.shape
    return x.transpose(0, 2, 1).reshape(n * c, t), n, c


def _check_image_size(image_size: int, n_times: int, needed: int | None = None) -> int:
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)) or image_size < 1:
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}")
    needed = int(image_size) if needed is None else needed
    if needed > n_times:
        raise ValueError(f"image_size={image_size} needs series of at least {needed} time points, got T={n_times}")
    return int(image_size)


def _paa(series: np.ndarray, size: int) -> np.ndarray:
    """Piecewise Aggregate Approximation ``(m, T) -> (m, size)`` (pyts; identity when ``size == T``)."""
    if size == series.shape[1]:
        return series
    from pyts.approximation import PiecewiseAggregateApproximation

    return PiecewiseAggregateApproximation(window_size=None, output_size=size).fit_transform(series)


def gramian_angular_field(
    x,
    image_size: int = 24,
    method: str = "summation",
    *,
    scale: str = "sample",
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    r"""Gramian Angular Field of every channel of every sample.

    Each series is shortened to ``image_size`` points by PAA, rescaled to :math:`\tilde x \in [-1, 1]`
    and read as angles :math:`\phi_i = \arccos \tilde x_i`; the summation field is
    :math:`G_{ij} = \cos(\phi_i + \phi_j)`, the difference field :math:`\sin(\phi_i - \phi_j)`
    (Wang & Oates, 2015). The summation field is symmetric and its diagonal is :math:`2\tilde x_i^2 - 1`.

    Parameters
    ----------
    x : array, shape (n, T) or (n, T, n_channels)
    image_size : int
        Side of the images, ``1 <= image_size <= T``.
    method : {"summation", "difference"}
    scale : {"sample", "fixed"}
        ``"sample"`` (pyts' default): min-max rescale each series of each sample to [-1, 1]. This
        removes the level and the amplitude of the window -- two windows that differ only by an offset
        give the same image -- which matters for regression on levels (e.g. forecasting a temperature):
        the image then carries only the *shape* of the window. ``"fixed"``: map ``value_range``
        linearly onto [-1, 1] for every sample (values outside are clipped), so that images of
        different samples are comparable and the level is kept.
    value_range : (low, high), optional
        Required with ``scale="fixed"`` (e.g. ``(-3, 3)`` for standardised inputs).

    Returns
    -------
    ndarray, shape (n, n_channels, image_size, image_size), float32
        ``n_channels = 1`` for a 2-D ``x``.
    """
    series, n, c = _series(x)
    image_size = _check_image_size(image_size, series.shape[1])
    if method not in ("summation", "difference"):
        raise ValueError(f"method must be 'summation' or 'difference', got {method!r}")
    if scale not in ("sample", "fixed"):
        raise ValueError(f"scale must be 'sample' or 'fixed', got {scale!r}")
    if scale == "fixed":
        if value_range is None or len(value_range) != 2 or not value_range[0] < value_range[1]:
            raise ValueError(f"scale='fixed' needs value_range=(low, high) with low < high, got {value_range!r}")
    elif value_range is not None:
        raise ValueError("value_range is used only with scale='fixed'; scale='sample' rescales each series itself")

    from pyts.image import GramianAngularField

    out = np.empty((n * c, image_size, image_size), dtype=np.float32)
    for start in range(0, len(series), _CHUNK):
        chunk = series[start : start + _CHUNK]
        if scale == "sample":
            gaf = GramianAngularField(image_size=image_size, sample_range=(-1, 1), method=method)
        else:
            low, high = value_range
            chunk = np.clip(2.0 * (_paa(chunk, image_size) - low) / (high - low) - 1.0, -1.0, 1.0)
            gaf = GramianAngularField(image_size=image_size, sample_range=None, method=method)
        out[start : start + _CHUNK] = gaf.fit_transform(chunk)
    return out.reshape(n, c, image_size, image_size)


def recurrence_plot(
    x,
    image_size: int = 24,
    *,
    dimension: int = 1,
    time_delay: int = 1,
    threshold: float | str | None = None,
    percentage: float = 10,
) -> np.ndarray:
    r"""Recurrence plot of every channel of every sample.

    Each series is shortened by PAA to ``image_size + (dimension - 1) * time_delay`` points, embedded
    into trajectories :math:`\vec x_i = (x_i, x_{i+\tau}, \dots, x_{i+(m-1)\tau})` and
    :math:`R_{ij} = \lVert \vec x_i - \vec x_j \rVert` (pyts :class:`~pyts.image.RecurrencePlot`), so
    the images are ``image_size`` square whatever the embedding. Distances are in the units of ``x``
    (no per-sample rescaling): the level of a window does not show, its amplitude does.

    Parameters
    ----------
    x : array, shape (n, T) or (n, T, n_channels)
    image_size : int
    dimension, time_delay : int
        Embedding dimension :math:`m` and delay :math:`\tau` (in PAA points).
    threshold : None, float, "point" or "distance"
        ``None``: the distances themselves (unthresholded plot); otherwise the binary plot
        :math:`\Theta(\varepsilon - R_{ij})` with pyts' threshold rules.
    percentage : float
        Used by ``threshold="point"`` / ``"distance"`` (see pyts).

    Returns
    -------
    ndarray, shape (n, n_channels, image_size, image_size), float32
        Symmetric, with a zero diagonal when unthresholded.
    """
    series, n, c = _series(x)
    for name, value in (("dimension", dimension), ("time_delay", time_delay)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    length = int(image_size) + (dimension - 1) * time_delay if isinstance(image_size, (int, np.integer)) else None
    image_size = _check_image_size(image_size, series.shape[1], length)

    from pyts.image import RecurrencePlot

    rp = RecurrencePlot(dimension=int(dimension), time_delay=int(time_delay), threshold=threshold,
                        percentage=percentage)
    out = np.empty((n * c, image_size, image_size), dtype=np.float32)
    for start in range(0, len(series), _CHUNK):
        out[start : start + _CHUNK] = rp.fit_transform(_paa(series[start : start + _CHUNK], length))
    return out.reshape(n, c, image_size, image_size)


def render_waveform(
    x,
    height: int = 32,
    width: int | None = None,
    amplitude_range: tuple[float, float] = (-1.0, 1.5),
    line_width: int = 1,
    *,
    dtype=np.float32,
) -> np.ndarray:
    """Draw each signal as a binary line image, on one fixed amplitude scale (numpy only).

    Column ``j`` of an image is one time point; its lit pixels span the rows of sample ``j - 1`` and
    sample ``j`` (the vertical segment joining them), so the line is connected even across steep
    edges such as a QRS complex. Row 0 is the top, ``amplitude_range[1]``; the last row is
    ``amplitude_range[0]``. Because the scale is fixed, not per sample, the images keep the amplitude
    and the baseline level of each beat. Values outside ``amplitude_range`` are clipped to its bounds
    (drawn on the top or bottom row).

    Parameters
    ----------
    x : array, shape (n, T)
        One lead per sample, in the units of ``amplitude_range`` (mV for ECG beats).
    height : int
        Image rows (>= 2).
    width : int, optional
        Image columns; defaults to ``T``. Another width resamples each signal linearly to ``width``
        points first.
    amplitude_range : (low, high)
        Amplitudes mapped to the bottom and top rows. The default (-1, 1.5) mV spans typical MLII beats.
    line_width : int
        Rows added to the drawn span (split above and below); 1 draws a one-pixel line.
    dtype : numpy dtype
        Of the returned images (values 0 and 1); ``np.uint8`` takes a quarter of float32's memory.

    Returns
    -------
    ndarray, shape (n, 1, height, width)
        A constant signal lights exactly one row per column (with ``line_width=1``).
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, T) (one lead per sample, e.g. beats.windows[:, lead]), got "
                         f"{x.ndim}-D shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"x is empty (shape {x.shape}); expected at least one sample of at least one time point")
    if not np.isfinite(x).all():
        raise ValueError(f"x must be finite; found {int((~np.isfinite(x)).sum())} NaN/inf value(s)")
    if isinstance(height, bool) or not isinstance(height, (int, np.integer)) or height < 2:
        raise ValueError(f"height must be an integer >= 2, got {height!r}")
    n, t = x.shape
    width = t if width is None else width
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if isinstance(line_width, bool) or not isinstance(line_width, (int, np.integer)) or line_width < 1:
        raise ValueError(f"line_width must be a positive integer, got {line_width!r}")
    low, high = (float(a) for a in amplitude_range)
    if not low < high:
        raise ValueError(f"amplitude_range must be (low, high) with low < high, got {amplitude_range!r}")

    x = x.astype(np.float64)
    if width != t:  # linear resampling to `width` evenly spaced points
        position = np.linspace(0.0, t - 1, width)
        left = np.floor(position).astype(np.int64)
        right = np.minimum(left + 1, t - 1)
        frac = position - left
        x = x[:, left] * (1.0 - frac) + x[:, right] * frac
    rows = np.rint((high - np.clip(x, low, high)) / (high - low) * (height - 1)).astype(np.int64)  # (n, width)
    previous = np.concatenate([rows[:, :1], rows[:, :-1]], axis=1)
    top = np.minimum(rows, previous) - (line_width - 1) // 2
    bottom = np.maximum(rows, previous) + (line_width - 1 - (line_width - 1) // 2)
    grid = np.arange(height)[:, None]
    out = np.empty((n, 1, height, width), dtype=dtype)
    for start in range(0, n, _CHUNK):
        stop = start + _CHUNK
        out[start:stop, 0] = (grid >= top[start:stop, None, :]) & (grid <= bottom[start:stop, None, :])
    return out
