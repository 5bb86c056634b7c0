import pytest

from qingshan.problems.testing.world import WORLD_NOW


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


@pytest.fixture
def cw(db):
    from qingshan.clues.testing.world import build_clue_world
    from qingshan.problems.testing.world import build_world

    return build_clue_world(build_world())
