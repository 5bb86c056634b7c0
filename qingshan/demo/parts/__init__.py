"""The demo city's parts after the problem history: one per app that declares a `<app>/demo.py` plug-in.

The contract, for an app that wants demo data:
* It declares a module `<app>/demo.py`, found through `qingshan.core.registry.plugins("demo")`; the parts run in
  INSTALLED_APPS order, each with its own random stream `random.Random(f"{plug-in module name}-{seed}")`, so a
  part's data does not change when another part is added or changed.
* A small part that needs only its own app and lower layers seeds itself: the plug-in defines
  `seed(*, city, rng: random.Random, end: datetime.date, stdout) -> str` returning a one-line summary
  (`qingshan.reminders.demo`).
* A part that needs the demo city's generators (its geography, people, the problem history, bulk rows with past
  dates) keeps its generator here, in `qingshan/demo/parts/<app label>.py` with the same `seed`, and the app's
  plug-in only declares that the app takes part (a module with a docstring). Product apps never import the demo app.
"""
import importlib
import random
from collections.abc import Callable
from types import ModuleType

from django.apps import apps

from qingshan.core.registry import plugins


def part_seeder(plugin: ModuleType) -> Callable[..., str]:
    """The `seed` of one plug-in's part: its own, else the demo app's generator for that app (exactly one)."""
    label = apps.get_containing_app_config(plugin.__name__).label
    try:
        generator = importlib.import_module(f"{__name__}.{label}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{label}":
            raise
        generator = None
    own = getattr(plugin, "seed", None)
    if (own is None) == (generator is None):
        where = "both in the app and in the demo app" if own else "neither in the app nor in the demo app"
        raise LookupError(f"demo part {plugin.__name__}: a seed is defined {where}")
    return own or generator.seed


def seed_parts(*, city, seed: int, end, stdout) -> list[str]:
    """Run every app's demo part in order; each gets its own deterministic random stream; their summaries."""
    return [part_seeder(plugin)(city=city, rng=random.Random(f"{plugin.__name__}-{seed}"), end=end, stdout=stdout)
            for plugin in plugins("demo")]
