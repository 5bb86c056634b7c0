"""Local development and the demo (make demo). Debug pages only on request: the demo shows what users would see."""
import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("QINGSHAN_DEBUG", "0") == "1"
