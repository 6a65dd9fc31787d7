"""Dependence between learned feature domains: Pearson correlation, mutual information, linear CKA.

Features of two domains (e.g. a 1D-CNN's and a 2D-CNN's penultimate features of the same beats)
are high-dimensional; the paper summarises each pair by one correlation and one MI. Here each
domain's features are first reduced to their leading principal components (scikit-learn ``PCA``,
fitted on the features of that domain); then

- **Pearson** between component pairs (:func:`pearson_between`): a component's sign is arbitrary, so
  the mean *absolute* correlation over the ``k x k`` pairs is reported (and the signed first-pair value);
- **MI**: scikit-learn's k-nearest-neighbour estimator (Kraskov et al.) ``mutual_info_regression``
  between each component pair, in nats, averaged (:func:`mutual_information_between`);
- **linear CKA** (Kornblith et al. 2019) on the full features: 0 for unrelated, 1 for features
  equal up to rotation and scale (:func:`linear_cka`).

Low correlation with moderate MI means a non-linear, partial dependence (complementary domains);
high MI means one domain largely predicts the other (redundancy).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def _check(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) < 10:
        raise ValueError(f"{name} must have shape (n_samples >= 10, n_features), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or inf")
    return x


def principal_components(x: np.ndarray, k: int = 3, seed: int = 0) -> np.ndarray:
    """The first ``min(k, n_features)`` principal components of ``x (n, p)``, each scaled to unit variance."""
    x = _check(x, "x")
    k = min(k, x.shape[1])
    from sklearn.decomposition import PCA  # scikit-learn's decomposition loads only where it is used

    z = PCA(n_components=k, random_state=seed).fit_transform(x)
    return z / np.maximum(z.std(axis=0, keepdims=True), 1e-12)


def pearson_between(a: np.ndarray, b: np.ndarray, k: int = 3) -> dict[str, float]:
    """Correlations between the top-``k`` principal components of ``a`` and of ``b``.

    Returns ``first`` (signed correlation of the two first components -- its sign is arbitrary, as
    a component's sign is), ``mean_abs`` and ``max_abs`` over the ``k x k`` component pairs.
    """
    za, zb = principal_components(a, k), principal_components(b, k)
    corr = np.corrcoef(za.T, zb.T)[: za.shape[1], za.shape[1]:]
    return {"first": float(corr[0, 0]), "mean_abs": float(np.abs(corr).mean()), "max_abs": float(np.abs(corr).max())}


def mutual_information_between(a: np.ndarray, b: np.ndarray, k: int = 3, n_neighbors: int = 3,
                               seed: int = 0, max_samples: int = 3000) -> float:
    """Mean kNN mutual information (nats) between each top-``k`` component of ``a`` and of ``b``.

    Uses at most ``max_samples`` rows (a random subset) to keep the kNN estimator fast.
    """
    za, zb = principal_components(a, k, seed), principal_components(b, k, seed)
    if len(za) > max_samples:
        rows = np.random.default_rng(seed).choice(len(za), max_samples, replace=False)
        za, zb = za[rows], zb[rows]
    from sklearn.feature_selection import mutual_info_regression

    mi = [mutual_info_regression(za, zb[:, j], n_neighbors=n_neighbors, random_state=seed) for j in range(zb.shape[1])]
    return float(np.mean(mi))


def linear_cka(a: np.ndarray, b: np.ndarray) -> float:
    """Linear centred kernel alignment ``||A'B||_F^2 / (||A'A||_F ||B'B||_F)`` of centred features."""
    a, b = _check(a, "a"), _check(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must describe the same samples, got {len(a)} and {len(b)} rows")
    a, b = a - a.mean(0), b - b.mean(0)
    cross = np.linalg.norm(a.T @ b) ** 2
    return float(cross / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b)))


def dependence_table(features: Mapping[str, np.ndarray], k: int = 3, seed: int = 0) -> pd.DataFrame:
    """Pearson, MI and CKA for every pair of domains, one row per pair."""
    names = list(features)
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            r = pearson_between(features[a], features[b], k)
            rows.append({"pair": f"{a}-{b}", "pearson_first_pc": r["first"], "pearson_mean_abs": r["mean_abs"],
                         "mi_nats": mutual_information_between(features[a], features[b], k, seed=seed),
                         "linear_cka": linear_cka(features[a], features[b])})
    return pd.DataFrame(rows).set_index("pair")


def dependence_matrices(features: Mapping[str, np.ndarray], k: int = 3, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Square ``pearson`` (mean |r| of components), ``mi`` and ``cka`` matrices over the domains (for heatmaps)."""
    names = list(features)
    out = {m: pd.DataFrame(np.eye(len(names)), index=names, columns=names) for m in ("pearson", "mi", "cka")}
    for i, a in enumerate(names):
        out["mi"].loc[a, a] = np.nan  # the MI of a variable with itself is its entropy: not comparable
        for b in names[i + 1:]:
            vals = {"pearson": pearson_between(features[a], features[b], k)["mean_abs"],
                    "mi": mutual_information_between(features[a], features[b], k, seed=seed),
                    "cka": linear_cka(features[a], features[b])}
            for m, v in vals.items():
                out[m].loc[a, b] = out[m].loc[b, a] = v
    return out
