"""pass@k: the unbiased estimator of the Codex paper (section 2.1, Figure 3).

Given n samples of which c pass, pass@k = 1 - C(n-c, k) / C(n, k). The binomial
coefficients overflow floats long before n = 200, so the ratio is expanded into a
product of terms each in [0, 1]: C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i).
"""

from __future__ import annotations

from collections.abc import Iterable

# numpy is imported where it is used: the window imports this module, through the session
# snapshots, before it is shown, and numpy's 100-140 ms belong after that (desktop_app.preload).


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of the chance that at least one of k samples passes."""
    if not 0 <= c <= n:
        raise ValueError(f"the number of passing samples must be between 0 and n={n}, got {c}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per problem, got n={n}")
    # Fewer than k failures: every k-subset contains a passing sample.
    if n - c < k:
        return 1.0
    import numpy as np

    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k averaged over problems, each given as (n, c)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise ValueError("pass@k needs at least one problem")
    import numpy as np

    return float(np.mean(values))
