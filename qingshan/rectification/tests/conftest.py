"""The rectification test world on the fixed date WORLD_NOW (Monday 2026-03-02)."""
import pytest

from qingshan.problems.testing.world import WORLD_NOW
from qingshan.rectification.testing.flows import add_rect_world


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


@pytest.fixture
def rw(world):
    return add_rect_world(world)
