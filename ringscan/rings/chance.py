"""The few probability functions the scan needs, on ``scipy.special`` alone.

``scipy.stats`` takes half a second to import and tens of microseconds per
scalar call, both paid by every scan; these are its formulas for the points we
ask about (counts in their support, rates above zero), computed the same way,
so the values are the same to the last bit (tests/test_chance.py checks that).

>>> round(float(poisson_logsf(0, 1.0)), 6)   # log P(X > 0) = log(1 - e^-1)
-0.458675
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln, pdtrc, xlog1py, xlogy

__all__ = ["poisson_logpmf", "poisson_logsf", "binom_logpmf"]


def poisson_logpmf(k: float, mu: float) -> float:
    """``log P(X = k)`` for ``X ~ Poisson(mu)``, ``k`` a count and ``mu > 0``."""
    return float(xlogy(k, mu) - gammaln(k + 1) - mu)


def binom_logpmf(k: float, n: float, p: float) -> float:
    """``log P(X = k)`` for ``X ~ Binomial(n, p)``, ``0 <= k <= n`` and ``0 < p < 1``."""
    k = np.floor(k)
    combiln = gammaln(n + 1) - (gammaln(k + 1) + gammaln(n - k + 1))
    return float(combiln + xlogy(k, p) + xlog1py(n - k, -p))


def poisson_logsf(k: np.ndarray | float, mu: np.ndarray | float) -> np.ndarray:
    """``log P(X > k)`` for ``X ~ Poisson(mu)``, ``mu > 0``; 0 where ``k < 0`` (certain)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(k >= 0, np.log(pdtrc(np.floor(np.maximum(k, 0.0)), mu)), 0.0)
