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

What these descriptive numbers cannot tell
------------------------------------------
*Any* dependence between A and B says nothing about the **task**: two domains can be independent
and both useless, or share exactly the part that predicts the class. And the mean of univariate MIs
between components dilutes: one strongly dependent pair among ``k x k`` reads as ``1/k**2`` of its
value (a 0.51-nat pair among 3 x 3 components reads as ~0.05). Complementarity *for the task* is
measured with the label ``Y`` in the estimate:

- :func:`knn_mutual_information`: joint KSG estimate ``I(A; B)`` of two multivariate sets (no averaging);
- :func:`label_mutual_information`: ``I(Y; X)`` for a class label and a multivariate ``X``, by the
  k-NN estimator of Ross (2014) or by a cross-validated classifier (``H(Y) - cross-entropy``, a lower
  bound that still works on 64 features);
- :func:`conditional_mutual_information`: ``I(A; B | Y) = sum_y p(y) I(A; B | Y=y)``;
- :func:`information_decomposition`: ``I(Y;A)``, ``I(Y;B)``, ``I(Y;A,B)``, the interaction information
  ``I(Y;A,B) - I(Y;A) - I(Y;B)`` (> 0: synergy dominates, < 0: redundancy dominates) and the
  partial-information decomposition with the minimum-MI redundancy (Barrett 2015):
  ``redundancy = min(I(Y;A), I(Y;B))``, ``unique_a = I(Y;A) - redundancy``, ``unique_b`` likewise,
  ``synergy = I(Y;A,B) - I(Y;A) - I(Y;B) + redundancy``;
- :func:`synthetic_information_case`: redundant, unique and synergistic (XOR) pairs with a known answer.

References: A. Kraskov, H. Stoegbauer, P. Grassberger, "Estimating mutual information", *Phys. Rev. E*
69, 2004; B. C. Ross, "Mutual information between discrete and continuous data sets", *PLoS ONE* 9,
2014; P. L. Williams and R. D. Beer, "Nonnegative decomposition of multivariate information", 2010;
A. B. Barrett, "Exploration of synergistic and redundant information sharing in static and dynamical
Gaussian systems", *Phys. Rev. E* 91, 2015.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import digamma


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


# ------------------------------------------------------------------ task-aware information
def _standardise(x: np.ndarray, seed: int) -> np.ndarray:
    """Unit-variance columns plus a 1e-10 jitter that breaks distance ties (as scikit-learn does)."""
    x = (x - x.mean(0)) / np.maximum(x.std(0), 1e-12)
    return x + 1e-10 * np.random.default_rng(seed).standard_normal(x.shape)


def _check_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must hold one class label per sample, shape ({n},), got {y.shape}")
    return np.unique(y, return_inverse=True)[1]


def _subsample(n: int, max_samples: int | None, seed: int, labels: np.ndarray | None = None,
               min_per_class: int = 10) -> np.ndarray:
    """Rows of a random subsample of at most ``max_samples`` (all rows when fewer).

    With ``labels`` the subsample is stratified: each class keeps its share, but at least
    ``min(min_per_class, its count)`` rows, so a rare class (MIT-BIH's F beats) is never lost.
    """
    if max_samples is None or n <= max_samples:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(n, max_samples, replace=False))
    rows = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = min(len(members), max(min_per_class, round(max_samples * len(members) / n)))
        rows.append(rng.choice(members, take, replace=False))
    return np.sort(np.concatenate(rows))


def knn_mutual_information(a: np.ndarray, b: np.ndarray, n_neighbors: int = 3, seed: int = 0,
                           max_samples: int | None = 3000) -> float:
    """Joint k-NN (KSG, estimator 1) mutual information ``I(A; B)`` in nats of two multivariate sets.

    ``I = psi(k) + psi(N) - < psi(n_a + 1) + psi(n_b + 1) >`` where, for each sample, ``eps`` is the
    max-norm distance to its k-th neighbour in the joint space and ``n_a`` (``n_b``) counts the samples
    strictly closer than ``eps`` in A (in B). Columns are standardised. Clipped at 0.
    Reliable for a few dimensions (reduce learned features to their principal components first).
    """
    a, b = _check(a, "a"), _check(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must describe the same samples, got {len(a)} and {len(b)} rows")
    rows = _subsample(len(a), max_samples, seed)
    a, b = _standardise(a[rows], seed), _standardise(b[rows], seed + 1)
    n = len(a)
    if not 1 <= n_neighbors < n:
        raise ValueError(f"n_neighbors must be in [1, {n - 1}], got {n_neighbors}")
    joint = np.hstack([a, b])
    from sklearn.neighbors import KDTree  # scikit-learn loads only where it is used

    dist, _ = KDTree(joint, metric="chebyshev").query(joint, k=n_neighbors + 1)
    eps = np.nextafter(dist[:, -1], 0)  # strictly closer than the k-th neighbour
    n_a = KDTree(a, metric="chebyshev").query_radius(a, eps, count_only=True) - 1
    n_b = KDTree(b, metric="chebyshev").query_radius(b, eps, count_only=True) - 1
    mi = digamma(n_neighbors) + digamma(n) - np.mean(digamma(n_a + 1) + digamma(n_b + 1))
    return float(max(0.0, mi))


def _ross_mi(x: np.ndarray, y: np.ndarray, n_neighbors: int) -> float:
    from sklearn.neighbors import KDTree

    n = len(x)
    radius, k_used, class_size = np.empty(n), np.empty(n), np.empty(n)
    for label in np.unique(y):
        mask = y == label
        count = int(mask.sum())
        class_size[mask] = count
        if count < 2:  # a lone sample of its class carries no neighbour information
            radius[mask], k_used[mask] = 0.0, 1
            continue
        k = min(n_neighbors, count - 1)
        dist, _ = KDTree(x[mask], metric="chebyshev").query(x[mask], k=k + 1)
        radius[mask], k_used[mask] = np.nextafter(dist[:, -1], 0), k
    m_all = KDTree(x, metric="chebyshev").query_radius(x, radius, count_only=True)
    keep = class_size > 1
    mi = digamma(n) + np.mean(digamma(k_used[keep])) - np.mean(digamma(class_size[keep])) - np.mean(digamma(m_all[keep]))
    return float(max(0.0, mi))


def label_mutual_information(x: np.ndarray, y, *, estimator: str = "knn", n_neighbors: int = 3, seed: int = 0,
                             max_samples: int | None = 3000, n_splits: int = 5) -> float:
    """``I(Y; X)`` in nats between a class label ``y (n,)`` and a multivariate ``x (n, p)``.

    estimator : {"knn", "classifier"}
        ``"knn"``: Ross (2014) -- for each sample the max-norm distance ``d`` to its k-th neighbour of
        the *same class*, ``m`` = samples of any class closer than ``d``;
        ``I = psi(N) + <psi(k)> - <psi(N_class)> - <psi(m)>`` (standardised columns, clipped at 0). With
        one feature it is scikit-learn's ``mutual_info_classif``. Few dimensions only.
        ``"classifier"``: ``H(Y) - CE``, the cross-entropy of a gradient-boosted classifier's
        ``n_splits``-fold out-of-fold probabilities (``H(Y)`` from the class frequencies). A *lower
        bound* on ``I(Y; X)`` up to estimation noise (a better classifier can only raise it); usable on
        many features. Can be slightly negative when X carries nothing.
    """
    x = _check(x, "x")
    y = _check_labels(y, len(x))
    rows = _subsample(len(x), max_samples, seed, labels=y)
    x, y = x[rows], y[rows]
    if estimator == "knn":
        return _ross_mi(_standardise(x, seed), y, n_neighbors)
    if estimator == "classifier":
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        counts = np.bincount(y)
        if counts.min() < 2:
            raise ValueError(f"every class needs >= 2 samples for the classifier estimate (cross-validation), "
                             f"got class counts {counts.tolist()}")
        n_splits = min(n_splits, int(counts.min()))  # a rare class caps the number of folds
        clf = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15, early_stopping=True,
                                             validation_fraction=0.15, n_iter_no_change=10, random_state=seed)
        proba = cross_val_predict(clf, x, y, method="predict_proba",
                                  cv=StratifiedKFold(n_splits, shuffle=True, random_state=seed))
        p_true = np.clip(proba[np.arange(len(y)), y], 1e-6, 1.0)
        freq = counts / counts.sum()
        return float(-(freq * np.log(freq)).sum() + np.mean(np.log(p_true)))
    raise ValueError(f"estimator must be 'knn' or 'classifier', got {estimator!r}")


def conditional_mutual_information(a: np.ndarray, b: np.ndarray, y, n_neighbors: int = 3, seed: int = 0,
                                   max_samples: int | None = 3000) -> float:
    """``I(A; B | Y) = sum_y p(y) I(A; B | Y = y)``, each term by :func:`knn_mutual_information` within the class.

    Classes with fewer than ``n_neighbors + 2`` samples are skipped (their weight is dropped and the
    remaining weights renormalised).
    """
    a, b = _check(a, "a"), _check(b, "b")
    y = _check_labels(y, len(a))
    rows = _subsample(len(a), max_samples, seed, labels=y)
    a, b, y = a[rows], b[rows], y[rows]
    total, weight = 0.0, 0
    for label in np.unique(y):
        mask = y == label
        if mask.sum() < max(10, n_neighbors + 2):
            continue
        total += mask.sum() * knn_mutual_information(a[mask], b[mask], n_neighbors, seed, max_samples=None)
        weight += mask.sum()
    if weight == 0:
        raise ValueError("no class has enough samples (>= 10) for a conditional estimate")
    return float(total / weight)


def information_decomposition(a: np.ndarray, b: np.ndarray, y, *, estimator: str = "knn", n_neighbors: int = 3,
                              seed: int = 0, max_samples: int | None = 3000) -> dict[str, float]:
    """How two representations ``a`` and ``b`` inform a label ``y``, in nats.

    Returns ``I(Y;A)``, ``I(Y;B)``, ``I(Y;A,B)``, ``interaction`` (``I(Y;A,B) - I(Y;A) - I(Y;B)``:
    > 0 synergy dominates, < 0 redundancy dominates) and the minimum-MI partial information
    decomposition ``redundancy``, ``unique_a``, ``unique_b``, ``synergy`` (they add up to ``I(Y;A,B)``).
    ``estimator`` as in :func:`label_mutual_information`; the same subsample serves every term; each
    mutual information is clipped at 0 before the decomposition.
    """
    a, b = _check(a, "a"), _check(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must describe the same samples, got {len(a)} and {len(b)} rows")
    kw = {"estimator": estimator, "n_neighbors": n_neighbors, "seed": seed, "max_samples": max_samples}
    # Estimates of non-negative quantities: a classifier's slightly negative "nothing" is read as 0.
    i_a, i_b = (max(0.0, label_mutual_information(x, y, **kw)) for x in (a, b))
    i_ab = max(0.0, label_mutual_information(np.hstack([a, b]), y, **kw))
    redundancy = min(i_a, i_b)
    return {"I(Y;A)": i_a, "I(Y;B)": i_b, "I(Y;A,B)": i_ab, "interaction": i_ab - i_a - i_b,
            "redundancy": redundancy, "unique_a": i_a - redundancy, "unique_b": i_b - redundancy,
            "synergy": i_ab - i_a - i_b + redundancy}


INFORMATION_CASES = ("redundant", "unique", "synergistic")


def synthetic_information_case(kind: str, n: int = 2000, seed: int = 0, noise: float = 0.1):
    """Two 1-D "modalities" ``a``, ``b`` and a binary label ``y`` whose information structure is known.

    - ``"redundant"``: ``a = 2y - 1 + noise``, ``b = a + noise``: ``I(Y;A) = I(Y;B) = I(Y;A,B) = ln 2``;
    - ``"unique"``: ``a`` as above, ``b`` independent noise: ``I(Y;A) = I(Y;A,B) = ln 2``, ``I(Y;B) = 0``;
    - ``"synergistic"`` (XOR): ``a, b ~ N(0, 1)``, ``y = [a > 0] xor [b > 0]``: ``I(Y;A) = I(Y;B) = 0``,
      ``I(Y;A,B) = ln 2``.

    (``ln 2`` holds up to the overlap of two Gaussians 2 apart with sd ``noise``: negligible at 0.1.)

    Returns
    -------
    a, b : ndarray, shape (n, 1)
    y : ndarray of int, shape (n,)
    truth : dict with the exact ``I(Y;A)``, ``I(Y;B)``, ``I(Y;A,B)`` in nats
    """
    rng = np.random.default_rng(seed)
    ln2 = float(np.log(2))
    if kind == "synergistic":
        a, b = rng.standard_normal(n), rng.standard_normal(n)
        y = ((a > 0) ^ (b > 0)).astype(int)
        truth = {"I(Y;A)": 0.0, "I(Y;B)": 0.0, "I(Y;A,B)": ln2}
    elif kind in ("redundant", "unique"):
        y = rng.integers(0, 2, n)
        a = 2.0 * y - 1 + noise * rng.standard_normal(n)
        b = a + noise * rng.standard_normal(n) if kind == "redundant" else rng.standard_normal(n)
        truth = {"I(Y;A)": ln2, "I(Y;B)": ln2 if kind == "redundant" else 0.0, "I(Y;A,B)": ln2}
    else:
        raise ValueError(f"kind must be one of {INFORMATION_CASES}, got {kind!r}")
    return a[:, None], b[:, None], y, truth
