"""The supervision app's test world (a plan with one monthly item assigned to two supervising bodies) as `sw`."""
from qingshan.supervision.tests.conftest import sw  # noqa: F401 - a fixture, used by name
