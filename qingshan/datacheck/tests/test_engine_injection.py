"""SQL in any spec field is refused with a clear message before anything runs; nothing in the data changes."""

import duckdb
import pytest

from qingshan.datacheck.engine import SpecError, compile_model, execute, parse_spec

from .conftest import MODELS

THRESHOLD = MODELS["threshold_decimal"]


def refused(spec, catalog) -> list[str]:
    with pytest.raises(SpecError) as caught:
        compile_model(spec, catalog)
    return caught.value.messages


def with_value(value: str) -> dict:
    return dict(THRESHOLD, threshold={"value": value, "op": ">", "limit": 0})


def with_sql(sql: str) -> dict:
    return dict(MODELS["custom_sql"], custom_sql={"sql": sql})


NAME_RULE = "不合法，只能使用小写字母、数字和下划线，并以字母开头"

SPEC_FIELD_ATTACKS = [
    (dict(THRESHOLD, code="x; DROP TABLE ds_readings"), f"spec.code：“x; DROP TABLE ds_readings”{NAME_RULE}"),
    (
        dict(THRESHOLD, dataset='readings"; DROP TABLE ds_readings; --'),
        f'spec.dataset：“readings"; DROP TABLE ds_readings; --”{NAME_RULE}',
    ),
    (
        dict(THRESHOLD, subject={"columns": ['section" FROM x; --']}),
        f'spec.subject.columns[0]：“section" FROM x; --”{NAME_RULE}',
    ),
    (
        dict(THRESHOLD, evidence=["cod); DELETE FROM ds_readings"]),
        f"spec.evidence[0]：“cod); DELETE FROM ds_readings”{NAME_RULE}",
    ),
    (dict(THRESHOLD, params={"x; drop": 1}), f"spec.params：“x; drop”{NAME_RULE}"),
    (
        dict(
            MODELS["missing_in_other"], missing_in_other={"other": "licences", "join": {"receiver": "1=1 OR receiver"}}
        ),
        f"spec.missing_in_other.join.receiver：“1=1 OR receiver”{NAME_RULE}",
    ),
]


@pytest.mark.parametrize(("spec", "message"), SPEC_FIELD_ATTACKS)
def test_names_with_sql_in_them_are_refused(spec, message, world):
    with pytest.raises(SpecError) as caught:
        parse_spec(spec)

    assert caught.value.messages == [message]


EXPRESSION_ATTACKS = [
    ("tp > 0; DROP TABLE ds_readings", "spec.threshold.value：不允许分号（只能是一条查询）"),
    ("tp -- the rest is a comment", "spec.threshold.value：不允许注释"),
    ("tp /* hidden */ + 1", "spec.threshold.value：不允许注释"),
    ("(SELECT max(cod) FROM ds_sections)", "spec.threshold.value：不允许的语法“子查询”"),
    ("read_csv('/etc/passwd')", "spec.threshold.value：不允许使用函数“read_csv”"),
    ("getenv('HOME')", "spec.threshold.value：不允许使用函数“getenv”"),
    ('"tp"" OR 1=1 --"', 'spec.threshold.value：数据集“readings”没有列“tp" OR 1=1 --”'),
    ('"tp"" OR ""1"', 'spec.threshold.value：数据集“readings”没有列“tp" OR "1”'),
    ("ds_readings.tp", "spec.threshold.value：未知的数据集“ds_readings”"),
    ("main.ds_readings.tp", "spec.threshold.value：列名“main.ds_readings.tp”不合法"),
    ("CAST(tp AS BLOB)", "spec.threshold.value：不允许转换为该类型"),
    ("tp IN (SELECT 1)", "spec.threshold.value：不允许的语法“子查询”"),
]


@pytest.mark.parametrize(("value", "message"), EXPRESSION_ATTACKS)
def test_expressions_with_sql_in_them_are_refused(value, message, world):
    assert refused(with_value(value), world[1]) == [message]


CUSTOM_SQL_ATTACKS = [
    ("SELECT payee_id FROM subsidies; DROP TABLE ds_subsidies", "不允许分号（只能是一条查询）"),
    ("SELECT payee_id FROM subsidies;", "不允许分号（只能是一条查询）"),
    ("ATTACH '/tmp/evil.duckdb' AS evil", "只允许 SELECT 查询"),
    ("COPY ds_subsidies TO '/tmp/out.csv'", "只允许 SELECT 查询"),
    ("DROP TABLE ds_subsidies", "只允许 SELECT 查询"),
    ("INSERT INTO subsidies VALUES ('x')", "只允许 SELECT 查询"),
    ("PRAGMA database_list", "只允许 SELECT 查询"),
    ("SELECT * FROM read_csv('/etc/passwd')", "只能查询已登记的数据集（不允许“READ_CSV('/etc/passwd')”）"),
    ("SELECT payee_id FROM read_parquet('x.parquet')", "只能查询已登记的数据集（不允许“READ_PARQUET('x.parquet')”）"),
    ("SELECT payee_id FROM ds_subsidies", "未知的数据集“ds_subsidies”"),
    ("SELECT payee_id FROM main.subsidies", "只能查询已登记的数据集（不允许“main.subsidies”）"),
    ("SELECT payee_id FROM subsidies -- trailing", "不允许注释"),
    ("SELECT payee_id, getenv('HOME') AS h FROM subsidies", "不允许使用函数“getenv”"),
    ("SELECT payee_id FROM subsidies QUALIFY row_number() OVER () = 1", "不允许 QUALIFY / INTO"),
    (
        "SELECT payee_id FROM (SELECT * FROM duckdb_settings()) AS s",
        "只能查询已登记的数据集（不允许“DUCKDB_SETTINGS()”）",
    ),
    ('SELECT payee_id FROM "subsidies; DROP TABLE x"', "未知的数据集“subsidies; DROP TABLE x”"),
]


@pytest.mark.parametrize(("sql", "message"), CUSTOM_SQL_ATTACKS)
def test_custom_sql_that_is_not_a_plain_select_over_data_sets_is_refused(sql, message, world):
    assert refused(with_sql(sql), world[1]) == [f"spec.custom_sql.sql：{message}"]


def test_a_value_with_sql_in_it_is_only_ever_a_value(world, duck):
    spec = dict(MODELS["threshold"], filter="name != :who", params={"who": "x'; DROP TABLE ds_readings; --"})

    outcome = execute(compile_model(spec, world[1]), duck, run_id="param")

    assert outcome.subject_count == 2  # the odd text matched no name and harmed nothing
    con = duckdb.connect(str(world[0]), read_only=True)
    assert con.execute("SELECT count(*) FROM ds_readings").fetchone() == (6,)
    con.close()


def test_refusals_leave_the_data_untouched(world):
    for spec in [with_value(v) for v, _ in EXPRESSION_ATTACKS] + [with_sql(s) for s, _ in CUSTOM_SQL_ATTACKS]:
        with pytest.raises(SpecError):
            compile_model(spec, world[1])

    con = duckdb.connect(str(world[0]), read_only=True)
    tables = dict(con.execute("SELECT table_name, estimated_size FROM duckdb_tables()").fetchall())
    assert con.execute("SELECT count(*) FROM ds_subsidies").fetchone() == (8,)
    con.close()
    assert set(tables) == {f"ds_{code}" for code in world[1]}


def test_custom_sql_may_combine_conditions_with_and_or_and_case(world, duck):
    """SQLGlot models AND, OR and CASE as functions: they are syntax, and an analyst's WHERE needs them."""
    sql = ("SELECT s.payee_id, s.paid_on, d.died_on, CASE WHEN s.paid_on > d.died_on THEN '死亡后发放' END AS why "
           "FROM subsidies AS s JOIN deaths AS d ON s.payee_id = d.person_id "
           "WHERE (s.paid_on > d.died_on AND s.payee_id IS NOT NULL) OR 1 = 0")

    outcome = execute(compile_model(with_sql(sql), world[1]), duck, run_id="and_or")

    assert {s.subject_key: s.hit_rows for s in outcome.iter_subjects()} == {"A": 1, "C": 3}


# A CTE's name counts only where SQL resolves it to the CTE: elsewhere the same name is a table of the database. A
# CTE named like a data set's table (ds_<code>) inside a subquery, or after the CTE that uses it, must not make the
# reference outside its scope skip the catalogue check and read that data set's table unlisted (and so unchecked
# against the data sets the author may see).
CTE_OUT_OF_SCOPE = [
    "SELECT s.payee_id, s.paid_on, x.died_on FROM subsidies AS s "
    "JOIN (WITH ds_deaths AS (SELECT 1 AS k) SELECT * FROM ds_deaths) AS y ON 1 = 1 "
    "JOIN ds_deaths AS x ON s.payee_id = x.person_id",
    "WITH a AS (SELECT person_id, died_on FROM ds_deaths), ds_deaths AS (SELECT 1 AS k) "
    "SELECT s.payee_id, s.paid_on, a.died_on FROM subsidies AS s JOIN a ON s.payee_id = a.person_id",
    # DuckDB resolves a later sibling to the table even under WITH RECURSIVE.
    "WITH RECURSIVE a AS (SELECT person_id, died_on FROM ds_deaths), ds_deaths AS (SELECT 1 AS k) "
    "SELECT s.payee_id, s.paid_on, a.died_on FROM subsidies AS s JOIN a ON s.payee_id = a.person_id",
    "WITH ds_deaths AS (SELECT person_id, died_on FROM ds_deaths) "
    "SELECT s.payee_id, s.paid_on, d.died_on FROM subsidies AS s JOIN ds_deaths AS d ON s.payee_id = d.person_id",
]


@pytest.mark.parametrize("sql", CTE_OUT_OF_SCOPE)
def test_a_cte_name_used_outside_its_scope_is_no_way_round_the_catalogue(sql, world):
    assert refused(with_sql(sql), world[1]) == ["spec.custom_sql.sql：未知的数据集“ds_deaths”"]


CTE_IN_SCOPE_OR_NOT_A_CTE = {
    # A data set named outside the subquery whose CTE bears its name: the data set, listed as read.
    "outside": "SELECT s.payee_id, s.paid_on, d.died_on FROM subsidies AS s "
    "LEFT JOIN (WITH deaths AS (SELECT 'A' AS k) SELECT * FROM deaths) AS y ON y.k = s.payee_id "
    "JOIN deaths AS d ON s.payee_id = d.person_id WHERE s.paid_on > d.died_on",
    # CTEs used where they are in scope (an earlier sibling, an enclosing query) still work.
    "in_scope": "WITH d AS (SELECT person_id, died_on FROM deaths), late AS (SELECT s.payee_id, s.paid_on, d.died_on "
    "FROM subsidies AS s JOIN d ON s.payee_id = d.person_id WHERE s.paid_on > d.died_on) "
    "SELECT x.payee_id, x.paid_on, x.died_on FROM (WITH again AS (SELECT payee_id, paid_on, died_on FROM late) "
    "SELECT payee_id, paid_on, died_on FROM again) AS x",
}


@pytest.mark.parametrize("case", sorted(CTE_IN_SCOPE_OR_NOT_A_CTE))
def test_ctes_resolve_by_scope(case, world, duck):
    compiled = compile_model(with_sql(CTE_IN_SCOPE_OR_NOT_A_CTE[case]), world[1])

    assert sorted(compiled.datasets_used) == ["deaths", "subsidies"]
    outcome = execute(compiled, duck, run_id=f"cte_{case}")
    assert {s.subject_key: s.hit_rows for s in outcome.iter_subjects()} == {"A": 1, "C": 3}


UNBOUNDED = {
    "recursive": "WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
    "SELECT s.payee_id, s.paid_on FROM subsidies AS s JOIN n ON n.i = s.amount",
    "cross": "SELECT a.payee_id, a.paid_on FROM subsidies AS a CROSS JOIN subsidies AS b CROSS JOIN subsidies AS c",
    "comma": "SELECT a.payee_id, a.paid_on FROM subsidies AS a, subsidies AS b",
    "no_equality": "SELECT a.payee_id, a.paid_on FROM subsidies AS a JOIN subsidies AS b ON a.paid_on > b.paid_on",
    "same_side": "SELECT a.payee_id, a.paid_on FROM subsidies AS a JOIN subsidies AS b ON a.payee_id = a.payee_id",
    "equality_under_or": "SELECT a.payee_id, a.paid_on FROM subsidies AS a JOIN subsidies AS b "
    "ON a.payee_id = b.payee_id OR 1 = 1",
}


@pytest.mark.parametrize("case", sorted(UNBOUNDED))
def test_recursion_and_joins_without_an_equality_are_refused_at_compile_time(case, world):
    """A model's size must be bounded by its data: a 3-way cross join of a small set made 8.6 M rows."""
    [message] = refused(with_sql(UNBOUNDED[case]), world[1])
    assert message.startswith("spec.custom_sql.sql：") and (
        "递归" in message if case == "recursive" else "连接" in message), message
