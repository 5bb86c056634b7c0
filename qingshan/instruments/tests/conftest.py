import pytest
import time_machine

from qingshan.core.testing.uploads import WORLD_NOW


@pytest.fixture(autouse=True)
def _fixed_now():
    # Deadlines are counted from a fixed Monday inside the years the holiday calendar covers.
    with time_machine.travel(WORLD_NOW, tick=True):
        yield

