"""Opening the DuckDB file from several places of one process: readers join a writer, a writer waits for readers."""
import threading

from qingshan.datasets.storage import duckdb_connect


def test_a_reader_joins_an_open_writer_and_sees_only_committed_rows(ds_settings):
    with duckdb_connect(read_only=False) as writer:
        writer.execute("CREATE TABLE t (x INTEGER)")
        writer.execute("BEGIN TRANSACTION")
        writer.execute("INSERT INTO t VALUES (1)")
        with duckdb_connect(read_only=True) as reader:
            assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 0
        writer.execute("COMMIT")


def test_a_writer_waits_for_an_open_reader_instead_of_getting_a_read_only_file(ds_settings):
    with duckdb_connect(read_only=False) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    reader = duckdb_connect(read_only=True)
    reader.__enter__()
    closer = threading.Timer(0.3, lambda: reader.__exit__(None, None, None))
    closer.start()
    with duckdb_connect(read_only=False) as writer:
        writer.execute("INSERT INTO t VALUES (1)")
    closer.join()
    with duckdb_connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1
