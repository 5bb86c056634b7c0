"""The shipped catalogue of 数据比对模型 (domain §9 items 1–7): standards, data-set schemas, model specs, demo data.

* ``datasets/*.yaml`` — data-set schemas in the shape ``qingshan.datasets.services.sync_schema_files`` accepts.
* ``models/<code>.yaml`` — model specs in the engine's spec format; ``models/catalogue.yaml`` adds what is not
  part of a spec: the domain §9 item and the default triage queue.
* ``standards`` — GB 3838 / HJ 633 reference implementations and the SQL functions models call.
* ``demo_data.generate`` — the demo city's data with planted anomalies, counted per model.
"""
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from qingshan.datasets.catalog import DatasetInfo, table_name

CATALOGUE_DIR = Path(__file__).resolve().parent
DATASETS_DIR = CATALOGUE_DIR / "datasets"
MODELS_DIR = CATALOGUE_DIR / "models"
QUEUES = ("rectify", "verify", "urgent")


@dataclass(frozen=True)
class CatalogueModel:
    """One shipped model: its spec text (YAML) and the catalogue's facts about it."""

    code: str
    name: str
    description: str
    severity: str
    item: int
    queue: str
    spec_text: str
    path: Path


def dataset_schema_files() -> list[Path]:
    """The YAML files of the catalogue's data-set schemas, for ``sync_schema_files``."""
    return sorted(DATASETS_DIR.glob("*.yaml"))


@cache
def dataset_specs() -> dict[str, dict]:
    """Every catalogue data-set spec (as written in the YAML files) by code."""
    specs: dict[str, dict] = {}
    for path in dataset_schema_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for spec in data["datasets"] if isinstance(data, dict) and "datasets" in data else [data]:
            specs[spec["code"]] = spec
    return specs


def catalog_infos() -> dict[str, DatasetInfo]:
    """The engine catalogue of the catalogue's data sets, straight from the YAML (no database needed)."""
    infos = {}
    for code, spec in dataset_specs().items():
        infos[code] = DatasetInfo(
            code=code, table=table_name(code), label=spec["name"],
            columns={c["name"]: c["type"] for c in spec["columns"]},
            key=tuple(spec.get("key") or ()), subject=tuple(spec.get("subject") or ()),
            column_labels={c["name"]: c.get("label", c["name"]) for c in spec["columns"]},
        )
    return infos


@cache
def catalogue_models() -> tuple[CatalogueModel, ...]:
    """The shipped models in catalogue order (domain §9 item, then file order of catalogue.yaml)."""
    facts = yaml.safe_load((MODELS_DIR / "catalogue.yaml").read_text(encoding="utf-8"))
    models = []
    for code, fact in facts.items():
        path = MODELS_DIR / f"{code}.yaml"
        text = path.read_text(encoding="utf-8")
        spec = yaml.safe_load(text)
        if spec["code"] != code or fact["queue"] not in QUEUES:
            raise ValueError(f"catalogue entry {code} does not match its spec file")
        models.append(CatalogueModel(code=code, name=spec["name"], description=" ".join(
            str(spec.get("description", "")).split()), severity=spec.get("severity", "medium"), item=fact["item"],
            queue=fact["queue"], spec_text=text, path=path))
    return tuple(models)


def catalogue_model(code: str) -> CatalogueModel:
    """One shipped model by code (KeyError if there is none)."""
    for model in catalogue_models():
        if model.code == code:
            return model
    raise KeyError(code)
