"""Input checks and numpy/torch round trips shared by the spectral transforms.

Every public transform accepts a NumPy array or a torch Tensor, computes with torch on the
input's device, and gives back the same kind (NumPy in -> NumPy out; Tensor in -> Tensor out on
the same device). These helpers do the conversion once and turn bad input into errors that name
the argument, what was expected and what was found.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

ArrayLike = Any  # np.ndarray | torch.Tensor; kept loose for numpydoc readability


def to_tensor(x: ArrayLike, name: str = "x", *, min_ndim: int = 1) -> tuple[torch.Tensor, bool]:
    """Return ``(tensor, was_numpy)``: a real floating tensor that shares memory where possible.

    Integer input becomes float64 (NumPy) or the default float dtype (torch); float16/bfloat16
    become float32 (FFTs need at least single precision on CPU). Complex input is refused.

    Raises
    ------
    TypeError
        If ``x`` is neither array-like nor a tensor, or is complex.
    ValueError
        If ``x`` has fewer than ``min_ndim`` dimensions or holds NaN/inf.
    """
    was_numpy = not isinstance(x, torch.Tensor)
    if was_numpy:
        try:
            array = np.asarray(x)
        except Exception as err:  # pragma: no cover - exotic inputs
            raise TypeError(f"{name} must be a NumPy array or a torch Tensor, got {type(x).__name__}") from err
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must hold real numbers (float or int), got dtype {array.dtype}"
                + ("; take np.abs() or .real first" if array.dtype.kind == "c" else "")
            )
        if array.dtype.kind in "biu":
            array = array.astype(np.float64)
        elif array.dtype == np.float16:
            array = array.astype(np.float32)
        with warnings.catch_warnings():
            # Read-only arrays (memory maps, pandas views) are fine: the transforms never write to x.
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            tensor = torch.from_numpy(np.ascontiguousarray(array))
    else:
        tensor = x
        if tensor.is_complex():
            raise TypeError(f"{name} must be real, got complex dtype {tensor.dtype}; take .abs() or .real first")
        if not tensor.is_floating_point():
            tensor = tensor.to(torch.get_default_dtype())
        elif tensor.dtype in (torch.float16, torch.bfloat16):
            tensor = tensor.float()
    if tensor.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s) (..., n_times), got shape {tuple(tensor.shape)}"
        )
    check_finite(tensor, name)
    return tensor, was_numpy


def check_finite(tensor: torch.Tensor, name: str) -> None:
    """Raise a ``ValueError`` naming ``name``, how many values are NaN/inf and where the first one is."""
    # Fast path: the sum of finite values is finite (unless it overflows: then check elementwise).
    if tensor.numel() == 0 or bool(torch.isfinite(tensor.sum())):
        return
    finite = torch.isfinite(tensor)
    if bool(finite.all()):
        return
    bad = (~finite).nonzero()
    first = tuple(int(i) for i in bad[0])
    n_nan = int(torch.isnan(tensor).sum())
    raise ValueError(
        f"{name} contains {bad.shape[0]} non-finite value(s) ({n_nan} NaN, {bad.shape[0] - n_nan} inf), "
        f"first at index {first}: spectral transforms need finite samples; interpolate over or drop "
        f"the gap (e.g. a disconnected electrode) first"
    )


def from_tensor(tensor: torch.Tensor, was_numpy: bool) -> ArrayLike:
    """Give back the kind the caller passed in: a NumPy array (from CPU) or the tensor itself."""
    if was_numpy:
        return tensor.detach().cpu().numpy()
    return tensor


def check_rate(fs: Any, name: str = "fs") -> float:
    """A sampling rate must be a positive, finite number (Hz)."""
    if isinstance(fs, bool) or not isinstance(fs, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a sampling rate in Hz (a positive number), got {fs!r}")
    fs = float(fs)
    if not math.isfinite(fs) or fs <= 0:
        raise ValueError(f"{name} must be a positive, finite sampling rate in Hz, got {fs}")
    return fs


def check_length(n_times: int, needed: int, name: str, what: str) -> None:
    """Raise a ``ValueError`` when the last axis is shorter than ``needed`` samples."""
    if n_times < needed:
        raise ValueError(f"{name} is too short: {what} needs at least {needed} samples on its last axis, got {n_times}")


def numpy_dtype(tensor: torch.Tensor) -> np.dtype:
    """The NumPy dtype matching a real floating tensor."""
    return np.dtype(str(tensor.dtype).replace("torch.", ""))
