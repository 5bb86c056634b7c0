"""Each app declares its ledgers in `<app>/ledgers.py`; the ledgers app finds them through the plug-in registry and
imports none of them (no import circle between the spec types and the declarations)."""
import json
import subprocess
import sys
from pathlib import Path

from qingshan.core.registry import plugins
from qingshan.ledgers.specs import ledger, ledgers

ROOT = Path(__file__).resolve().parents[3]


def test_the_registry_finds_every_apps_ledgers_in_tab_order():
    assert [(spec.number, spec.code, spec.label) for spec in ledgers()] == [
        (1, "supervision", "监督清单"), (2, "problems", "问题清单"), (3, "rectifications", "整改清单"),
        (7, "instruments", "文书台账"), (12, "rectification_items", "督察整改清单")]
    assert {m.__name__ for m in plugins("ledgers")} == {"qingshan.problems.ledgers", "qingshan.supervision.ledgers",
                                                         "qingshan.instruments.ledgers",
                                                         "qingshan.rectification.ledgers"}
    assert ledger("problems").label == "问题清单" and ledger("nope") is None


def test_the_ledgers_app_imports_no_domain_apps_declarations_or_selectors():
    """In a fresh interpreter, importing the whole ledgers app loads none of the domain modules that import it."""
    script = """
import json, sys, django
django.setup()
for name in ("specs", "forms", "selectors", "excel", "services", "views", "urls"):
    __import__(f"qingshan.ledgers.{name}")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("qingshan.problems.", "qingshan.supervision.")))))
"""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    forbidden = {f"qingshan.{app}.{module}" for app in ("problems", "supervision")
                 for module in ("ledgers", "selectors", "services", "views")}
    assert loaded & forbidden == set()
