"""The one plug-in registry: each installed app may declare a contract in `<app>/<contract>.py`.

Core defines the contracts (services performing another app's actions, deadline kinds, ledgers, worklist queues,
demo parts, scheduled jobs, API routes, notice senders); apps declare theirs in a module of that name, and callers
ask `plugins(contract)` instead of importing the apps.
Core itself imports no app: the modules are found through Django's app registry, in INSTALLED_APPS order.
"""
import functools
import importlib
from types import ModuleType

from django.apps import apps

CONTRACTS = frozenset({"actions", "deadlines", "ledgers", "worklist", "demo", "scheduled", "api", "health", "notices",
                       "overview", "retention"})


@functools.cache
def plugins(contract: str) -> tuple[ModuleType, ...]:
    """The `<app>.<contract>` modules of the installed apps, looked up once per process.

    A missing module is normal (the app declares nothing); an import error inside one is raised, never hidden.
    """
    if contract not in CONTRACTS:
        raise ValueError(f"unknown plug-in contract {contract!r}")
    modules = []
    for config in apps.get_app_configs():
        if config.name == __package__:
            continue  # core defines the contracts (core/deadlines.py, core/ledgers.py, …); it declares none
        name = f"{config.name}.{contract}"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return tuple(modules)


def declared(contract: str, attribute: str) -> list:
    """Every app's `attribute` of `<app>.<contract>` concatenated, in INSTALLED_APPS order."""
    found: list = []
    for module in plugins(contract):
        found.extend(getattr(module, attribute, ()))
    return found
