"""Synthetic logic tasks of Hayes & Sun (Section IV-C) with their Bayes-optimal ceilings.

Four modalities each carry one scalar latent ``z_m ~ N(0, 1)``. The model never sees ``z_m``: it
sees modality ``m`` as a short sequence of ``L_m`` noisy tokens ``x_{m,t} = z_m + noise * e_{m,t}``
(``e ~ N(0, 1)``), so it must pool each modality and then combine them. Labels come from a logic
rule on the bits ``b_m = [z_m > threshold]``:

``"and"``          1 if every bit is set; the threshold makes the classes balanced
                   (``P(b_m) = 0.5 ** (1/4)``).
``"xor"``          parity of the four bits (threshold 0): no single modality, nor any three of them,
                   says anything about the label. Late (decision-level) fusion of per-modality
                   predictions cannot represent it; a non-linear joint head on the pooled
                   modalities can (notebook 05 shows both).
``"three_class"``  a composite rule on the count ``k`` of set bits: ``k <= 1 -> 0``, ``k = 2 -> 1``,
                   ``k >= 3 -> 2`` (class shares 5/16, 6/16, 5/16).

Because the generative model is known, the posterior ``P(y | x)`` is exact: the token mean is a
sufficient statistic of each modality, the latent posterior is Gaussian, and the bits are
independent given the inputs. :meth:`LogicTask.bayes_accuracy` turns it into the best accuracy any
classifier can reach (the ceiling in every table).

A second generator, :func:`make_boundary_data`, builds the paper's 2-D dataset for decision-boundary
plots: 20,000 pairs ``(x1, x2)`` uniform on [0, 500], padded with 500 zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.stats import norm

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.spec import ModalitySpec

LOGIC_RULES = ("and", "xor", "three_class")
MODALITY_NAMES = ("m1", "m2", "m3", "m4")
BOUNDARY_RULES = ("sine", "circle", "xor")
BOUNDARY_RANGE = 500.0


@dataclass
class LogicData:
    """Samples of a :class:`LogicTask`.

    Attributes
    ----------
    inputs : dict name -> ndarray, shape (n, L_m, 1), float32
    labels : ndarray, shape (n,), int64
    latents : ndarray, shape (n, 4)
    """

    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    latents: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def to_dataset(self) -> MultimodalTensorDataset:
        """The samples as a torch dataset yielding fusionlab items."""
        return MultimodalTensorDataset({m: torch.from_numpy(x) for m, x in self.inputs.items()},
                                       torch.from_numpy(self.labels))


@dataclass(frozen=True)
class LogicTask:
    """A synthetic logic task: rule, token noise and the token count of each modality.

    Parameters
    ----------
    rule : {"and", "xor", "three_class"}
    noise : float
        Standard deviation of the per-token noise, in units of the latent's standard deviation.
    n_tokens : tuple of int
        Number of tokens of each of the four modalities.
    """

    rule: str = "and"
    noise: float = 1.0
    n_tokens: tuple[int, ...] = field(default=(4, 6, 8, 10))

    def __post_init__(self) -> None:
        if self.rule not in LOGIC_RULES:
            raise ValueError(f"unknown logic rule {self.rule!r}; expected one of {LOGIC_RULES}")
        if not np.isfinite(self.noise) or self.noise <= 0:
            raise ValueError(f"noise must be a positive number, got {self.noise!r}")
        if len(self.n_tokens) != len(MODALITY_NAMES) or min(self.n_tokens) < 1:
            raise ValueError(f"n_tokens must give {len(MODALITY_NAMES)} positive token counts, got {self.n_tokens}")

    @property
    def n_classes(self) -> int:
        return 3 if self.rule == "three_class" else 2

    @property
    def threshold(self) -> float:
        """Bit threshold on each latent (balanced classes for ``"and"``, 0 otherwise)."""
        if self.rule == "and":
            return float(norm.ppf(1.0 - 0.5 ** (1.0 / len(MODALITY_NAMES))))
        return 0.0

    def specs(self) -> dict[str, ModalitySpec]:
        """Per-modality input shapes ``(L_m, 1)`` for building models."""
        return {m: ModalitySpec(m, (L, 1), kind="tokens") for m, L in zip(MODALITY_NAMES, self.n_tokens)}

    # ------------------------------------------------------------------ labels
    def label(self, latents: np.ndarray) -> np.ndarray:
        """Apply the rule to latents ``(n, 4)``: labels ``(n,)``."""
        bits = latents > self.threshold
        if self.rule == "and":
            return bits.all(axis=1).astype(np.int64)
        if self.rule == "xor":
            return (bits.sum(axis=1) % 2).astype(np.int64)
        count = bits.sum(axis=1)
        return np.select([count <= 1, count == 2], [0, 1], default=2).astype(np.int64)

    def _class_probabilities(self, p_bits: np.ndarray) -> np.ndarray:
        """Class posterior ``(n, C)`` from independent bit probabilities ``p_bits (n, 4)``."""
        if self.rule == "and":
            p1 = p_bits.prod(axis=1)
            return np.stack([1 - p1, p1], axis=1)
        if self.rule == "xor":
            p1 = 0.5 * (1 - np.prod(1 - 2 * p_bits, axis=1))
            return np.stack([1 - p1, p1], axis=1)
        # Poisson-binomial distribution of the number of set bits, by dynamic programming.
        count = np.zeros((len(p_bits), p_bits.shape[1] + 1))
        count[:, 0] = 1.0
        for m in range(p_bits.shape[1]):
            p = p_bits[:, m : m + 1]
            count[:, 1:] = count[:, 1:] * (1 - p) + count[:, :-1] * p
            count[:, 0] *= 1 - p[:, 0]
        return np.stack([count[:, :2].sum(axis=1), count[:, 2], count[:, 3:].sum(axis=1)], axis=1)

    def _bit_probabilities(self, token_means: np.ndarray) -> np.ndarray:
        """``P(z_m > threshold | token mean)`` for token means ``(n, 4)``."""
        L = np.asarray(self.n_tokens, dtype=float)
        precision = 1.0 + L / self.noise**2  # prior N(0, 1) times likelihood N(z, noise^2 / L)
        mean = (L / self.noise**2) * token_means / precision
        return norm.sf((self.threshold - mean) * np.sqrt(precision))

    def posterior(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Exact class posterior ``P(y | inputs)``, shape ``(n, n_classes)``."""
        means = np.stack([np.asarray(inputs[m], dtype=float).reshape(len(inputs[m]), -1).mean(axis=1)
                          for m in MODALITY_NAMES], axis=1)
        return self._class_probabilities(self._bit_probabilities(means))

    # ---------------------------------------------------------------- sampling
    def sample(self, n: int, seed: int) -> LogicData:
        """Draw ``n`` samples reproducibly from ``np.random.default_rng(seed)``."""
        if n < 1:
            raise ValueError(f"n must be a positive number of samples, got {n}")
        rng = np.random.default_rng(seed)
        latents = rng.standard_normal((n, len(MODALITY_NAMES)))
        inputs = {
            m: (latents[:, i, None, None] + self.noise * rng.standard_normal((n, L, 1))).astype(np.float32)
            for i, (m, L) in enumerate(zip(MODALITY_NAMES, self.n_tokens))
        }
        return LogicData(inputs=inputs, labels=self.label(latents), latents=latents)

    def bayes_optimal(self, n_mc: int = 400_000, seed: int = 12345) -> dict[str, float]:
        """Monte Carlo estimate of the Bayes-optimal accuracy and cross-entropy.

        Uses the sufficient statistic directly (the token mean of modality ``m`` is
        ``z_m + noise / sqrt(L_m) * e``), so millions of samples are cheap. The accuracy is the
        expected largest posterior, ``E[max_y P(y | x)]``; the cross-entropy is ``E[-log P(y | x)]``.
        Returns ``{"accuracy", "accuracy_se", "cross_entropy"}``.
        """
        rng = np.random.default_rng(seed)
        latents = rng.standard_normal((n_mc, len(MODALITY_NAMES)))
        L = np.asarray(self.n_tokens, dtype=float)
        means = latents + self.noise / np.sqrt(L) * rng.standard_normal(latents.shape)
        post = self._class_probabilities(self._bit_probabilities(means))
        best = post.max(axis=1)
        labels = self.label(latents)
        nll = -np.log(np.clip(post[np.arange(n_mc), labels], 1e-12, None))
        return {"accuracy": float(best.mean()), "accuracy_se": float(best.std() / np.sqrt(n_mc)),
                "cross_entropy": float(nll.mean())}

    def bayes_accuracy(self, n_mc: int = 400_000, seed: int = 12345) -> float:
        """Bayes-optimal accuracy (see :meth:`bayes_optimal`)."""
        return self.bayes_optimal(n_mc, seed)["accuracy"]


# ----------------------------------------------------------------------------- 2-D boundary data
def boundary_rule(x1: np.ndarray, x2: np.ndarray, rule: str = "sine") -> np.ndarray:
    """The non-linear rule of the 2-D dataset on raw values in [0, 500]; labels 0/1.

    ``"sine"``   above the curve ``x2 = 250 + 100 sin(2 pi x1 / 250)``;
    ``"circle"`` inside the centred circle of area half the square;
    ``"xor"``    exactly one of ``x1 > 250`` and ``x2 > 250``.
    """
    x1, x2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    half = BOUNDARY_RANGE / 2
    if rule == "sine":
        return (x2 > half + 100.0 * np.sin(2 * np.pi * x1 / 250.0)).astype(np.int64)
    if rule == "circle":
        radius = BOUNDARY_RANGE / np.sqrt(2 * np.pi)
        return ((x1 - half) ** 2 + (x2 - half) ** 2 < radius**2).astype(np.int64)
    if rule == "xor":
        return ((x1 > half) ^ (x2 > half)).astype(np.int64)
    raise ValueError(f"unknown boundary rule {rule!r}; expected one of {BOUNDARY_RULES}")


def boundary_inputs(points: np.ndarray, pad: int = 500) -> dict[str, np.ndarray]:
    """Turn raw pairs ``(n, 2)`` into the two padded modalities the models read.

    Each coordinate becomes its own modality, a 1-D signal whose first sample is the value divided
    by 500 (inputs of order 1 train stably) followed by zeros; the two signals together carry the
    paper's 500 padding zeros (``pad // 2`` and ``pad - pad // 2``).
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}")
    inputs = {}
    for i, (name, zeros) in enumerate((("x1", pad // 2), ("x2", pad - pad // 2))):
        signal = np.zeros((len(points), 1 + zeros), dtype=np.float32)
        signal[:, 0] = points[:, i] / BOUNDARY_RANGE
        inputs[name] = signal
    return inputs


@dataclass
class BoundaryData:
    """The 2-D dataset: raw points, their padded modalities and labels."""

    points: np.ndarray  # (n, 2) raw values in [0, 500]
    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    rule: str
    pad: int

    def __len__(self) -> int:
        return len(self.labels)

    def specs(self) -> dict[str, ModalitySpec]:
        return {m: ModalitySpec(m, x.shape[1:], kind="signal") for m, x in self.inputs.items()}

    def to_dataset(self) -> MultimodalTensorDataset:
        return MultimodalTensorDataset({m: torch.from_numpy(x) for m, x in self.inputs.items()},
                                       torch.from_numpy(self.labels))


def make_boundary_data(n: int = 20_000, *, pad: int = 500, rule: str = "sine", label_noise: float = 0.0,
                       seed: int = 0) -> BoundaryData:
    """The paper's decision-boundary dataset: ``n`` pairs uniform on [0, 500]^2, padded with zeros.

    ``label_noise`` flips that fraction of labels at random, which caps the Bayes accuracy at
    ``1 - label_noise`` (0 by default: the rule is deterministic, the ceiling is 100%).
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of samples, got {n}")
    if not 0 <= label_noise < 0.5:
        raise ValueError(f"label_noise must be in [0, 0.5), got {label_noise}")
    rng = np.random.default_rng(seed)
    points = rng.uniform(0.0, BOUNDARY_RANGE, size=(n, 2))
    labels = boundary_rule(points[:, 0], points[:, 1], rule)
    flip = rng.random(n) < label_noise
    labels = np.where(flip, 1 - labels, labels)
    return BoundaryData(points=points, inputs=boundary_inputs(points, pad), labels=labels, rule=rule, pad=pad)
