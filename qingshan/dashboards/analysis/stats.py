"""Robust peer comparison: leave-one-out median and MAD, so one outlier cannot hide itself or another."""
from dataclasses import dataclass
from statistics import median

MAD_SCALE = 1.4826  # MAD × this estimates the standard deviation of normally distributed values


@dataclass(frozen=True)
class Deviation:
    value: float
    peer_median: float
    peer_count: int
    gap: float  # value − peer median
    z: float | None  # gap in robust standard deviations; None when the peers do not spread at all


def deviations(values: dict, *, min_peers: int) -> dict:
    """For each key, its value against the median and MAD of the OTHER keys' values; keys with fewer than
    `min_peers` others are left out."""
    result = {}
    for key, value in values.items():
        others = [v for k, v in values.items() if k != key]
        if len(others) < min_peers:
            continue
        centre = median(others)
        spread = MAD_SCALE * median(abs(v - centre) for v in others)
        gap = value - centre
        result[key] = Deviation(value, centre, len(others), gap, gap / spread if spread else None)
    return result


def is_outlier(deviation: Deviation, *, threshold: float, min_gap: float, worse_is_lower: bool) -> bool:
    """On the bad side, at least `min_gap` from the peers' median and at least `threshold` robust standard deviations
    (any gap of `min_gap` counts when the peers are all equal)."""
    gap = -deviation.gap if worse_is_lower else deviation.gap
    if gap < min_gap:
        return False
    return deviation.z is None or abs(deviation.z) >= threshold
