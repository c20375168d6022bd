"""ratio() rounds halves up to 4 places exactly as the Fraction formula of spec §3 does."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from generator.model.progress import ratio


def _spec(part: int, whole: int) -> float:
    return 0.0 if whole == 0 else math.floor(Fraction(part, whole) * 10_000 + Fraction(1, 2)) / 10_000


def test_ratio_equals_the_exact_formula() -> None:
    rng = random.Random(20171124)
    cases = [(p, w) for w in range(0, 260) for p in range(0, w + 1)]
    cases += [(rng.randrange(10**7), rng.randrange(1, 10**7)) for _ in range(20_000)]
    cases += [(1, 20_000), (3, 20_000), (1, 8), (5, 16)]  # exact halves at the fifth place
    for part, whole in cases:
        assert ratio(part, whole) == _spec(part, whole), (part, whole)
        assert type(ratio(part, whole)) is float
