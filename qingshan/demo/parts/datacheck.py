"""Demo part of 数据比对模型: the catalogue's data sets with the demo city's data (planted anomalies), the catalogue
models registered (enabled, daily), and one run of each, so the triage queue has hits to judge."""
import datetime as dt
import random
import time

from qingshan.datacheck import services
from qingshan.datacheck.catalogue import catalogue_models
from qingshan.datacheck.choices import Origin, Schedule
from qingshan.datacheck.models import CheckModel
from qingshan.datasets.models import Dataset
from qingshan.datasets.sharing import dataset_share
from qingshan.demo.catalogue_data import django_loader, generate

OWNER = "office_staff"  # the demo's data officer (第一监督检查室)
# The category a confirmed hit becomes, by domain §9 item (the demo city's category codes).
CATEGORY_OF_ITEM = {1: "water", 2: "air", 3: "solid_waste", 4: "duty", 5: "duty", 6: "duty", 7: "duty"}
# The city's water data, shared with the district commission the demo's district logins work in, so that they see
# (and may model over) a shared data set as a district would; every other catalogue set stays the city's own.
SHARED_WITH_DISTRICT = ("water_sections", "water_readings")


def _generate(*, rng: random.Random, end: dt.date) -> tuple[dict, dict]:
    """The catalogue's demo data loaded through the datasets app; (planted subjects by model, rows by data set)."""
    store = django_loader()

    def load(code: str, relation) -> None:
        # An import of nothing is refused by the datasets app; an empty demo table simply stays empty.
        if relation.aggregate("count(*)").fetchone()[0]:
            store(code, relation)

    planted = generate(load, rng=rng, end=end)
    return dict(planted), dict(planted.rows)


def seed(*, city, rng: random.Random, end: dt.date, stdout) -> str:
    """Define the data sets, generate their data, register and run the catalogue models; a one-line summary."""
    started = time.perf_counter()
    if CheckModel.objects.exists():
        return "数据比对：模型已存在，未重复生成。"
    owner = city.users[OWNER]
    planted, rows = _generate(rng=rng, end=end)
    categories = {c.code: c for c in city.categories}
    found, failed, lines = 0, [], []
    for entry in catalogue_models():
        model = services.checkmodel_create(
            actor=owner, code=entry.code, name=entry.name, description=entry.description, spec_text=entry.spec_text,
            default_queue=entry.queue, problem_category=categories.get(CATEGORY_OF_ITEM.get(entry.item, "duty")),
            origin=Origin.CATALOGUE)
        services.checkmodel_schedule(actor=owner, model=model, schedule=Schedule.DAILY)
        model = services.checkmodel_set_enabled(actor=owner, model=model, enabled=True)
        run = services.run_start(actor=owner, model=model)
        if run.error:
            failed.append(f"{entry.code}：{run.error}")
            continue
        found += run.subjects
        expected = planted.get(entry.code)
        if expected is not None and expected != run.subjects:
            lines.append(f"  {entry.code}：预置 {expected}，发现 {run.subjects}")
    district = city.districts[1].commission
    for code in SHARED_WITH_DISTRICT:
        dataset_share(actor=owner, dataset=Dataset.objects.get(code=code), org=district, reason="区县水环境专项监督")
    for line in lines + [f"  运行失败 {f}" for f in failed]:
        stdout.write(line)
    agreed = "各模型均与预置一致" if not lines and not failed else f"{len(lines)} 个模型与预置不一致"
    return (f"数据比对：{len(rows)} 个数据集共 {sum(rows.values())} 行，"
            f"{len(catalogue_models())} 个模型已启用（每日运行），"
            f"命中对象 {found} 个（预置异常 {sum(planted.values())} 个，{agreed}），运行失败 {len(failed)} 个，"
            f"水质数据已共享给{district.name}，"
            f"用时 {time.perf_counter() - started:.1f} 秒。")
