"""The scan's probability functions equal scipy.stats' to the last bit on the points it asks about."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom, poisson

from ringscan.rings.chance import binom_logpmf, poisson_logpmf, poisson_logsf

rates = st.floats(min_value=1e-300, max_value=1e6, allow_nan=False)


@given(st.integers(min_value=0, max_value=10_000), rates)
def test_poisson_logpmf(k, mu):
    assert poisson_logpmf(k, mu) == poisson.logpmf(k, mu)


@given(st.integers(min_value=0, max_value=5_000), st.integers(min_value=0, max_value=5_000),
       st.floats(min_value=0.05, max_value=0.95))
def test_binom_logpmf(k, extra, p):
    n = k + extra
    assert binom_logpmf(k, n, p) == binom.logpmf(k, n, p)


@given(st.lists(st.tuples(st.integers(min_value=-1, max_value=100_000), rates), min_size=1, max_size=50))
def test_poisson_logsf(points):
    k = np.array([float(a) for a, _ in points])
    mu = np.array([b for _, b in points])
    ours, theirs = poisson_logsf(k, mu), poisson.logsf(k, mu)
    assert np.array_equal(ours, theirs)
