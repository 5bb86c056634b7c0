"""Issue 16: a month of hazardous-waste transfer manifests (联单) for ~50 producers, with the producers' ledgers,
the receivers' licences per waste code and the vehicles' tracks, and planted breaks in the chain of custody."""
import datetime as dt
import math
from decimal import Decimal as D

from qingshan.datacheck.catalogue.duck import insert_rows

from ..city import CITY_CENTRE
from .base import Build, scaled

# 国家危险废物名录（2025年版）: (category, code, name)
WASTES = [("HW49", "900-041-49", "含有或沾染毒性危险废物的废弃包装物"), ("HW08", "900-249-08", "废矿物油"),
          ("HW17", "336-064-17", "金属表面处理废槽液"), ("HW06", "900-402-06", "废有机溶剂"),
          ("HW18", "772-003-18", "焚烧处置残渣")]
# Receivers: code, name, offset from the city centre, waste codes licensed; RW5's licence has lapsed.
RECEIVERS = [("RW1", "江岸危险废物处置中心", (0.30, 0.10), ["900-041-49", "900-249-08", "772-003-18"]),
             ("RW2", "高新区危废综合利用有限公司", (-0.28, 0.16), ["900-249-08", "336-064-17", "900-402-06"]),
             ("RW3", "白鹭湖危废焚烧有限公司", (0.12, -0.30), ["900-041-49", "900-402-06", "772-003-18"]),
             ("RW4", "云岭工业固废处置中心", (-0.20, -0.25), ["336-064-17", "900-041-49"])]
LAPSED = ("RW5", "临江危废临时贮存库", (0.45, -0.05), ["900-041-49", "900-249-08"])


def _t(value: D) -> D:
    return value.quantize(D("0.01"))


def waste(gen: Build) -> None:
    """Manifests, ledgers, licences and tracks for one month before `end`; planted breaks counted per model."""
    rng = gen.rng
    cx, cy = CITY_CENTRE
    first = (gen.end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the last full month
    period = first.year * 100 + first.month
    extracted = dt.datetime.combine(gen.end, dt.time(0, 0))
    year = first.year
    licences = [(f"JS-{code}", code, name, w, dt.date(year - 1, 1, 1), dt.date(year + 3, 12, 31))
                for code, name, _, wastes in RECEIVERS for w in wastes]
    licences += [(f"JS-{LAPSED[0]}", LAPSED[0], LAPSED[1], w, dt.date(year - 4, 1, 1), dt.date(year - 1, 6, 30))
                 for w in LAPSED[3]]
    where = {code: (round(cx + dx, 6), round(cy + dy, 6)) for code, _, (dx, dy), _ in [*RECEIVERS, LAPSED]}
    names = {code: name for code, name, _, _ in [*RECEIVERS, LAPSED]}

    producers = max(12, round(50 * gen.scale))
    k = scaled(gen.scale, 3)
    manifests, plans = [], {}
    ledger_rows = []
    for p in range(producers):
        code = f"CF{p + 1:03d}"
        name = f"青山{['化工', '电镀', '制药', '机械', '汽修', '印染'][p % 6]}第{p + 1}厂"
        # Producers within 0.2° of the centre, receivers 0.3° or more out: every trip is several kilometres long.
        angle = 2 * math.pi * p / producers
        radius = 0.10 * (1 + p % 2)
        origin = (round(cx + radius * math.cos(angle), 6), round(cy + radius * math.sin(angle), 6))
        kinds = rng.sample(WASTES, 1 + (p % 4 == 0))
        for category, waste_code, waste_name in kinds:
            receiver = rng.choice([r for r in RECEIVERS if waste_code in r[3]])[0]
            transferred = D(0)
            for _ in range(rng.randint(2, 6)):
                no = f"WL{period}{len(manifests) + 1:05d}"
                weight = _t(D(rng.randint(100, 2000)) / 100)
                shipped = dt.datetime.combine(first + dt.timedelta(days=rng.randint(0, 24)),
                                              dt.time(rng.randint(7, 15), rng.choice([0, 15, 30, 45])))
                received = shipped + dt.timedelta(minutes=rng.randint(100, 60 * 40))
                loss = _t(weight * D(rng.randint(0, 20)) / 1000)  # up to 2 %: within the tolerance
                manifests.append({
                    "no": no, "producer": (code, name), "waste": (category, waste_code, waste_name), "weight": weight,
                    "receiver": receiver, "origin": origin, "shipped": shipped, "received": received,
                    "received_weight": weight - loss, "disposed": received + dt.timedelta(days=rng.randint(1, 5))})
                transferred += weight
            stock_start = _t(D(rng.randint(0, 300)) / 100)
            stock_end = _t(D(rng.randint(0, 300)) / 100)
            produced = transferred + stock_end - stock_start
            if produced < 0:
                stock_start, produced = D(0), transferred + stock_end
            ledger_rows.append([code, name, period, waste_code, stock_start, produced, stock_end])

    # Planted breaks, each on manifests (or producers) of its own.
    chosen = rng.sample(range(len(manifests)), 3 * k)
    for plan in ("not_received", "unlicensed", "off_track"):
        for _ in range(k):
            plans[chosen.pop()] = plan
    producer_codes = sorted({m["producer"][0] for m in manifests})
    taken = {manifests[j]["producer"][0] for j in plans}
    free = [c for c in producer_codes if c not in taken]
    ledger_gap = set(rng.sample(free, k))
    lossy = set(rng.sample([c for c in free if c not in ledger_gap], k))
    for row in ledger_rows:
        if row[0] in ledger_gap:
            row[5] = _t(row[5] * D("1.3") + 1)  # declared more than was stored or moved: 30 % + 1 t unaccounted

    rows, gps = [], []
    lossy_done: set[str] = set()
    for j, m in enumerate(manifests):
        plan = plans.get(j)
        receiver = LAPSED[0] if plan == "unlicensed" else m["receiver"]
        if plan == "unlicensed" and m["waste"][1] not in LAPSED[3]:
            m["waste"] = next(w for w in WASTES if w[1] == LAPSED[3][0])
        received, received_weight, disposed = m["received"], m["received_weight"], m["disposed"]
        producer = m["producer"][0]
        if producer in lossy and producer not in lossy_done:
            received_weight = _t(m["weight"] * D("0.7") - D("0.5"))  # 30 % + 0.5 t lost on the road
            lossy_done.add(producer)
        if plan == "not_received":
            received = received_weight = disposed = None
            m["shipped"] = m["shipped"].replace(day=1 + m["shipped"].day % 10)  # 20 days or more before extraction
        disposed_weight = received_weight if disposed is not None else None
        lng, lat = where[receiver]
        rows.append((m["no"], producer, m["producer"][1], m["waste"][0], m["waste"][1], m["waste"][2], m["weight"],
                     "青山危险货物运输有限公司", f"皖W{j:05d}", receiver, names[receiver], f"JS-{receiver}", lng, lat,
                     m["shipped"], m["weight"], received, received_weight, disposed, disposed_weight,
                     "焚烧" if disposed else None, extracted))
        (x0, y0) = m["origin"]
        end = (lng, lat)
        if plan == "off_track":  # the truck stops 0.05° (≈ 5 km) short of the receiver, on the way from the producer
            span = math.hypot(x0 - lng, y0 - lat)
            end = (round(lng + 0.05 * (x0 - lng) / span, 6), round(lat + 0.05 * (y0 - lat) / span, 6))
        for i in range(7):
            at = m["shipped"] + dt.timedelta(minutes=15 * i)
            gps.append((f"皖W{j:05d}", at, round(x0 + (end[0] - x0) * i / 6, 6), round(y0 + (end[1] - y0) * i / 6, 6),
                        m["no"], None))
    insert_rows(gen.con, "ds_waste_manifests", rows)
    insert_rows(gen.con, "ds_waste_generation", [tuple(r) for r in ledger_rows])
    insert_rows(gen.con, "ds_waste_licences", licences)
    insert_rows(gen.con, "ds_gps_points", gps)
    gen.planted["waste_manifest_not_received"] = k
    gen.planted["waste_receiver_unlicensed"] = k
    gen.planted["waste_vehicle_not_at_receiver"] = k
    gen.planted["waste_mass_balance"] = len(ledger_gap) + len(lossy)

