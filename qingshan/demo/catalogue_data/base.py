"""What every data set's generator shares: the DuckDB connection, the seeded draws and the planted counts."""
import datetime as dt
import random


class PlantedCounts(dict):
    """Model code -> number of subjects the model must find in the generated data; `.rows` per data set."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: dict[str, int] = {}


def scaled(scale: float, base: int) -> int:
    """How many anomalies of one kind to plant at `scale` (at least two)."""
    return max(2, round(base * scale))


class Build:
    """One generation run: the connection the ``ds_<code>`` tables live in, the random streams, what was planted."""

    def __init__(self, con, rng: random.Random, end: dt.date, scale: float):
        self.con, self.rng, self.end, self.scale = con, rng, end, scale
        self.seed = rng.randrange(1, 2**31)
        self.planted = PlantedCounts()

    def u(self, expr: str, salt: int) -> str:
        """A uniform [0, 1) number from a hash of `expr` (deterministic for the seed, any thread order)."""
        return f"((hash({expr}, {self.seed}, {salt}) % 1000003)::DOUBLE / 1000003)"

    def sql(self, text: str, params=None) -> None:
        """Run one statement on the generation's connection."""
        self.con.execute(text, params or [])
