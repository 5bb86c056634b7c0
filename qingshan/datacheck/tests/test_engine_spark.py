"""The same compiled models on Spark (local mode) give the same hits and evidence as on DuckDB."""

import pytest

from qingshan.datacheck.engine import DuckDBEngine, SparkEngine, compile_model, execute

from .conftest import MODELS, assert_same_hits_as_duckdb, hit_counts
from .test_engine_second_evidence import SECOND_SET

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def spark_engine(spark, world, tmp_path_factory):
    """A Spark engine over the world (its Parquet exports made once for the module)."""
    return SparkEngine(spark, path=world[0], work_dir=tmp_path_factory.mktemp("spark"))


@pytest.fixture(scope="module")
def duck_module(world, tmp_path_factory):
    engine = DuckDBEngine(world[0], tmp_path_factory.mktemp("duck") / "runs.duckdb")
    yield engine
    engine.close()


@pytest.mark.parametrize("model", sorted(MODELS))
def test_spark_finds_the_same_hits_as_duckdb(model, world, spark_engine, duck_module):
    assert_same_hits_as_duckdb(model, spark_engine, duck_module, world[1])


def test_spark_session_is_pinned(spark_engine):
    conf = spark_engine.spark.conf

    assert conf.get("spark.sql.session.timeZone") == "Asia/Shanghai"
    assert conf.get("spark.sql.ansi.enabled") == "true"


def test_spark_results_survive_the_temp_view_and_can_be_dropped(world, spark_engine):
    outcome = execute(compile_model(MODELS["duplicate"], world[1]), spark_engine, run_id="keep")
    spark_engine.spark.catalog.dropTempView("run_keep")  # as after a restart: only the Parquet files remain

    assert hit_counts(outcome) == {"A": 2, "C": 3}
    spark_engine.drop_result("run_keep")
    assert not (spark_engine.work_dir / "runs" / "run_keep").exists()


@pytest.mark.parametrize("model", sorted(SECOND_SET))
def test_spark_shows_the_same_second_set_evidence(model, world, spark_engine, duck_module):
    assert_same_hits_as_duckdb(model, spark_engine, duck_module, world[1], evidence=SECOND_SET[model])
