"""Specs: parsed from YAML or JSON, refused with Chinese messages that say where the problem is."""

import json

import pytest

from qingshan.datacheck.engine import KINDS, SpecError, compile_model, parse_spec
from qingshan.datacheck.engine.compiler import BUILDERS

from .conftest import MODELS

YAML = """
code: cod_over_target
name: COD 超过目标
kind: threshold
version: 1
owner: 水环境科
severity: high
dataset: readings
subject: {columns: [section], label: name}
threshold:
  value: cod
  op: ">"
  reference: {dataset: sections, join: {section: section}, value: target}
"""


def messages(text) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    return caught.value.messages


def test_yaml_and_json_give_the_same_spec():
    from_yaml = parse_spec(YAML)
    from_json = parse_spec(json.dumps(from_yaml.raw, ensure_ascii=False))

    assert from_yaml == from_json
    assert (from_yaml.kind, from_yaml.severity, from_yaml.subject_columns) == ("threshold", "high", ("section",))


def test_every_problem_is_listed_with_its_path():
    spec = dict(MODELS["threshold"], version="一", threshold={"value": "cod", "op": "≥", "limit": "x"})
    del spec["owner"]

    assert messages(spec) == [
        "spec：缺少必填字段“owner”",
        "spec.threshold.op：应为以下之一：>、>=、<、<=、=、!=",
        "spec.version：应为整数",
    ]


def test_a_number_where_a_number_is_needed():
    spec = dict(MODELS["mismatch"], mismatch=dict(MODELS["mismatch"]["mismatch"], abs_tolerance="0.05"))

    assert messages(spec) == ["spec.mismatch.abs_tolerance：应为数字"]


def test_limit_and_reference_are_exclusive():
    body = dict(MODELS["threshold"]["threshold"], limit=3)

    assert messages(dict(MODELS["threshold"], threshold=body)) == [
        "spec.threshold：只能二选一：固定限值（limit）或参照数据集（reference）"
    ]


def test_robust_settings_belong_to_the_robust_peer_mode():
    body = dict(MODELS["aggregate_peer_band"]["aggregate"], direction="low", min_relative_deviation=0.3)
    assert messages(dict(MODELS["aggregate_peer_band"], aggregate=body)) == [
        "spec.aggregate：“direction”“min_relative_deviation”只用于稳健同类对比模式（peer_robust）"]
    body = dict(MODELS["aggregate_peer_robust"]["aggregate"], direction="lower")
    assert messages(dict(MODELS["aggregate_peer_robust"], aggregate=body)) == [
        "spec.aggregate.direction：应为以下之一：low、high、both"]


def test_the_kind_block_must_match_the_kind():
    spec = dict(MODELS["duplicate"], kind="time_gap")

    assert messages(spec) == [
        "spec.time_gap：类型为“时间间隔”的模型需要“time_gap”配置块",
        "spec.duplicate：与模型类型“time_gap”不符",
    ]


def test_not_yaml_is_refused_clearly():
    assert messages("code: [unclosed") == ["spec：不是合法的 YAML/JSON（第 1 行第 16 列）"]
    assert messages("- a list") == ["spec：应为对象（键值）"]


def test_unknown_columns_and_data_sets_are_named(world):
    catalog = world[1]
    bad_column = dict(MODELS["threshold"], evidence=["colour"])
    bad_dataset = dict(MODELS["missing_in_other"], missing_in_other={"other": "permits", "join": {"receiver": "r"}})
    bad_expr = dict(MODELS["threshold_decimal"], filter="tp > :floor")

    with pytest.raises(SpecError) as column:
        compile_model(bad_column, catalog)
    with pytest.raises(SpecError) as dataset:
        compile_model(bad_dataset, catalog)
    with pytest.raises(SpecError) as param:
        compile_model(bad_expr, catalog)

    assert column.value.messages == ["spec.evidence：数据集“readings”没有列“colour”"]
    assert dataset.value.messages == ["spec.missing_in_other.other：未知的数据集“permits”"]
    assert param.value.messages == ["spec.filter：未定义的参数“:floor”，请在 params 中声明"]


def test_literals_are_bound_parameters_not_sql_text(world):
    compiled = compile_model(MODELS["threshold_decimal"], world[1])

    sql = compiled.sql("duckdb")

    assert "0.3" not in sql and "0.2" not in sql
    assert sorted(map(str, compiled.params.values())) == ["0.2", "0.3"]
    assert ":p_extra" in compiled.sql("spark") and "%(p_extra)s" in compiled.sql("postgres")


def test_compiled_sql_stays_in_the_portable_subset(world):
    from sqlglot import exp

    def day_count_of_dates(node):
        # ``days_between``: whole days between two DATE values, the one DATEDIFF every engine counts alike (no
        # boundaries below a day to count differently); any other DATEDIFF is still refused below.
        date = exp.DataType.build("DATE")
        return (isinstance(node, exp.DateDiff) and node.args.get("unit") is None
                and all(isinstance(side, exp.Cast) and side.to == date for side in (node.this, node.expression)))

    for name, spec in MODELS.items():
        compiled = compile_model(spec, world[1])
        compiled.query = compiled.query.transform(
            lambda node: exp.Literal.number(0) if day_count_of_dates(node) else node)
        for dialect in ("duckdb", "spark", "postgres"):
            sql = compiled.sql(dialect).upper()
            for construct in ("QUALIFY", "GROUP BY ALL", "ASOF", "NOT IN", "DATEDIFF", "DATE_DIFF", "TIMESTAMPDIFF"):
                assert construct not in sql, (name, dialect, construct)


def test_registered_functions_expand_to_portable_sql(world):
    from sqlglot import exp

    from qingshan.datacheck.engine import register_function

    register_function(
        "twice_for_test", lambda a: exp.Mul(this=a[0], expression=exp.Literal.number(2)), min_args=1, max_args=1
    )
    spec = dict(
        MODELS["threshold_decimal"], filter=None, threshold={"value": "twice_for_test(tp)", "op": ">", "limit": 0.3}
    )
    spec = {k: v for k, v in spec.items() if v is not None}

    compiled = compile_model(spec, world[1])
    with pytest.raises(SpecError) as wrong:
        compile_model(dict(spec, threshold=dict(spec["threshold"], value="twice_for_test(tp, cod)")), world[1])

    assert '"src"."tp" * 2' in compiled.sql("duckdb")
    assert wrong.value.messages == ["spec.threshold.value：函数“twice_for_test”的参数个数不对"]


def test_every_kind_has_its_builder():
    assert set(BUILDERS) == set(KINDS)
    assert all(builder.build is not BUILDERS["threshold"].__mro__[1].build for builder in BUILDERS.values())


def test_a_sustained_deviation_needs_its_order_and_known_columns(world):
    body = MODELS["route_deviation_sustained"]["route_deviation"]
    no_order = dict(body, sustained={"partition_by": ["plate"], "min_points": 0})
    unknown = dict(body, sustained={"partition_by": ["truck"], "order_by": "ts"})

    assert messages(dict(MODELS["route_deviation_sustained"], route_deviation=no_order)) == [
        "spec.route_deviation.sustained：缺少必填字段“order_by”",
        "spec.route_deviation.sustained.min_points：不能小于 1",
    ]
    with pytest.raises(SpecError) as column:
        compile_model(dict(MODELS["route_deviation_sustained"], route_deviation=unknown), world[1])
    assert column.value.messages == ["spec.route_deviation.sustained.partition_by：数据集“gps_detour”没有列“truck”"]
