"""An outlet's record: how its sources' stances fared against the final verdicts.

Counted per piece of evidence on a decided claim (confirmed or denied): supporting a
confirmed claim or denying a denied one agreed with the verdict; the other way round
disagreed; a neutral stance is counted apart. The agreement rate is agreed / (agreed +
disagreed) with its Wilson score interval, which stays honest for small counts (2 of 2
is not "100%": its 95% interval is 34%..100%). The record informs an editor's Admiralty
grade; it never sets it.
"""

import math
from dataclasses import dataclass

# 95% two-sided.
Z = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - spread), min(1.0, centre + spread)


@dataclass(frozen=True)
class Record:
    agreed: int = 0
    disagreed: int = 0
    neutral: int = 0

    @property
    def decided(self) -> int:
        """Stances that could agree or disagree: supports and denies on decided claims."""
        return self.agreed + self.disagreed

    @property
    def rate(self) -> float | None:
        return self.agreed / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.agreed, self.decided) if self.decided else None

    @property
    def percents(self) -> tuple[int, int, int] | None:
        """(rate, low, high) in whole percent, for pages."""
        if not self.decided:
            return None
        low, high = self.interval
        return round(self.rate * 100), round(low * 100), round(high * 100)

    def as_dict(self) -> dict:
        low, high = self.interval or (None, None)
        return {
            "agreed": self.agreed,
            "disagreed": self.disagreed,
            "neutral": self.neutral,
            "decided": self.decided,
            "agreement": round(self.rate, 4) if self.rate is not None else None,
            "interval": [round(low, 4), round(high, 4)] if low is not None else None,
        }
