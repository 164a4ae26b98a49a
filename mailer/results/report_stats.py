"""How sure a response rate is: the rules `mailer report` uses before it names a winner.
Pure arithmetic, no I/O.

- **A rate**: the share of cards (or holdout contacts) with at least one response, with its
  95% Wilson score interval (sound for small counts and rates near 0, where the textbook
  "plus or minus 1.96 standard errors" is not).
- **Enough data**: a rate is known well enough once its 95% margin is at most half the rate
  itself, so it can be told apart from half of it: 1.96 * sqrt(p(1-p)/n) <= p/2, that is
  n >= 4 * 1.96² * (1-p)/p. At a 5% response rate that is about 292 cards; it always comes
  to about 15 responses. Until then the report says "not enough data yet (n = 12 of about
  292 needed)"; with no response at all it can't say how many, and says so.
- **Two rates compared**: the difference in percentage points with its 95% interval
  (Newcombe's method, from the two Wilson intervals). When the interval includes 0 the
  difference is "not yet real", and the report says about how many cards each side would
  need to show a difference of the size seen (95% confidence, 80% power:
  n = (1.96 + 0.84)² * (p1(1-p1) + p2(1-p2)) / (p1-p2)²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The two-sided 95% point of the normal distribution."""
Z80 = 0.8416212335729143
"""The one-sided 80% point: the power to detect a difference that is there."""


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of k successes in n tries (0 to 1 when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    margin = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - margin), min(1.0, centre + margin)


def needed(k: int, n: int) -> int | None:
    """How many tries make the rate k/n known to within half of itself (module doc); None
    when there is no success to go by."""
    if n <= 0 or k <= 0:
        return None
    p = k / n
    return math.ceil(4 * Z95 * Z95 * (1 - p) / p)


def evidence(k: int, n: int) -> str:
    """'' when k of n is enough to go by, else what is missing, in words."""
    if n <= 0:
        return ""
    wanted = needed(k, n)
    if wanted is None:
        return f"not enough data yet (n = {n:,}, no response yet)"
    if n < wanted:
        return f"not enough data yet (n = {n:,} of about {wanted:,} needed)"
    return ""


@dataclass(frozen=True)
class Comparison:
    """Group `a` against group `b`: their response rates and the difference a - b."""

    a: str
    b: str
    k_a: int
    n_a: int
    k_b: int
    n_b: int
    difference: float
    """In percentage points."""
    low: float
    high: float

    @property
    def real(self) -> bool:
        """The 95% interval leaves out 0: the difference is more than chance."""
        return self.low > 0 or self.high < 0

    @property
    def verdict(self) -> str:
        interval = f"95% interval {self.low:+.1f} to {self.high:+.1f} points"
        if self.real:
            better, worse = (self.a, self.b) if self.difference > 0 else (self.b, self.a)
            return (
                f"{better} did better than {worse} by {abs(self.difference):.1f} points "
                f"({interval})"
            )
        each = cards_to_tell(self.k_a / self.n_a, self.k_b / self.n_b)
        more = f"; about {each:,} each would show a difference this size" if each else ""
        return (
            f"no real difference yet between {self.a} and {self.b}: "
            f"{self.difference:+.1f} points, and the {interval} includes 0{more}"
        )


def compare(a: str, k_a: int, n_a: int, b: str, k_b: int, n_b: int) -> Comparison:
    """Rate a minus rate b, with Newcombe's 95% interval (both n above 0)."""
    p_a, p_b = k_a / n_a, k_b / n_b
    low_a, high_a = wilson(k_a, n_a)
    low_b, high_b = wilson(k_b, n_b)
    d = p_a - p_b
    low = d - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = d + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return Comparison(a, b, k_a, n_a, k_b, n_b, 100 * d, 100 * low, 100 * high)


def cards_to_tell(p_a: float, p_b: float) -> int | None:
    """Tries on each side that show a difference of p_a - p_b at 95% confidence with 80%
    power; None when the two rates are the same (no size of sample shows no difference)."""
    d = p_a - p_b
    if d == 0:
        return None
    spread = p_a * (1 - p_a) + p_b * (1 - p_b)
    return max(1, math.ceil((Z95 + Z80) ** 2 * spread / (d * d)))
