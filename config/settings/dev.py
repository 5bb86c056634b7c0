"""Local development and the demo (make demo)."""
from .base import *  # noqa: F403

DEBUG = True
