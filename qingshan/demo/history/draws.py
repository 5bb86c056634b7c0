"""Random draws of the history, cheap enough for a few hundred million calls, and evenly spread rare events."""
import random

GOLDEN = (5 ** 0.5 - 1) / 2


class Sequences:
    """One equidistributed (golden-ratio) sequence per kind of rare event, each starting at a seeded offset.

    Rare steps and the handling fate are drawn from these rather than independently, so that every stretch of
    problems gets its share: the ~2–3 % overdue and every kind of side step show in a few hundred problems as well
    as in a million.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.state: dict[str, list[float]] = {}  # kind → [offset, last value]

    def draw(self, kind: str) -> float:
        """The next value in [0, 1) of the sequence of `kind`."""
        state = self.state.get(kind)
        if state is None:
            state = self.state[kind] = [self.rng.random(), 0.0]
        state[1] = (state[1] + GOLDEN) % 1.0
        return (state[0] + state[1]) % 1.0

    def chance(self, kind: str, probability: float) -> bool:
        """True for a `probability` share of the calls for `kind`, evenly spread."""
        return self.draw(kind) < probability


def pick(rng: random.Random, options):
    """rng.choice, without its overhead (a million problems make a few hundred million draws)."""
    return options[int(rng.random() * len(options))]


def between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), without its overhead."""
    return low + int(rng.random() * (high - low + 1))


def cumulative(weights: list[float]) -> list[float]:
    """Running totals of `weights` (for bisecting a weighted draw)."""
    total, result = 0.0, []
    for w in weights:
        total += w
        result.append(total)
    return result


def weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    """A key drawn from (key, weight) pairs."""
    total = sum(w for _k, w in options)
    drawn = rng.random() * total
    for key, weight in options:
        drawn -= weight
        if drawn < 0:
            return key
    return options[-1][0]
