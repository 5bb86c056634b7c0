#!/usr/bin/env python3
"""Verify a Qingshan evidence package (证据包) on its own: Python 3.11 or later, standard library only.

Usage:  python3 verify_evidence.py evidence.zip

What it checks, and how (the definition is that of qingshan/datasets/sealing.py, format qingshan-batch-seal/2):

1. Every file listed in manifest.json has the SHA-256 recorded there (the model's definition and SQL, the rows).
2. For every sealed batch: the rows file is read as CSV (header of column names; each cell a value's canonical text,
   ``\\N`` for NULL, a leading backslash doubled), rows in the order stored. Each column becomes byte streams over
   all rows (numbers little-endian): *presence* (one byte per row: 01 value, 00 NULL); *values*, fixed width, zero
   bytes for NULL (integer: signed 8 bytes; decimal: value × 10^6 as signed 16 bytes; double: IEEE-754 binary64;
   date: signed 4-byte days since 1970-01-01; timestamp: signed 8-byte microseconds since 1970-01-01 00:00:00;
   boolean: 1 byte; string: its UTF-8 length as unsigned 4 bytes); *text* for strings (their UTF-8 bytes). The rows
   hash is the SHA-256 of ``rows=<n>\\n`` then one line per column
   ``<name>:<type>:<sha256 presence>:<sha256 values>[:<sha256 text>]\\n``; it must equal the seal's
   ``rows_sha256``, and the row count its ``rows``.
3. The seal is recomputed as the SHA-256 of the lines ``qingshan-batch-seal/2``, ``dataset=``, ``batch=``,
   ``previous=``, ``columns=name:type,...``, ``rows=``, ``rows_sha256=``, ``file_sha256=``, ``importer=``,
   ``sealed_at=`` (each ended by a newline) and must equal the recorded seal; seals of consecutive sequence numbers
   of one data set must link (``previous`` = the seal before).

A seal whose ``version`` in the manifest is 1 (made by the first build, format qingshan-batch-seal/1) is checked
by version 1: each row's fields ``<number of UTF-8 bytes of the text>:<text>`` (NULL as ``-``) concatenated in
column order and hashed with SHA-256; the rows hash is the SHA-256 of the rows' hex digests sorted ascending and
concatenated; the seal's first line is ``qingshan-batch-seal/1``. A manifest without ``version`` is of version 2.

Exit status 0 when everything verifies, 1 when anything does not (each failure is printed). The seals printed
at the end should be compared with those the commission's audit log recorded when the batches were imported: this
script proves the rows are the ones sealed, the audit log proves when and by whom they were sealed.
"""
import csv
import datetime as dt
import hashlib
import io
import json
import struct
import sys
import zipfile
from decimal import Decimal

SEAL_HEADERS = {1: "qingshan-batch-seal/1", 2: "qingshan-batch-seal/2"}
EPOCH = dt.datetime(1970, 1, 1)  # noqa: DTZ001 -- timestamps are stored local wall time, without a zone
EPOCH_DAY = dt.date(1970, 1, 1).toordinal()


def _value_bytes(text, logical_type):
    """The fixed-width bytes of one value (its canonical text; None for NULL) in the values stream. A text that
    is not the canonical form of its value (``1.5`` for a decimal, ``01`` for an integer) is refused, so that one
    value has one text and no byte of a rows file can change without changing the hash."""
    if logical_type == "string":
        return struct.pack("<I", 0 if text is None else len(text.encode("utf-8")))
    width = {"integer": 8, "decimal": 16, "double": 8, "date": 4, "timestamp": 8, "boolean": 1}[logical_type]
    if text is None:
        return bytes(width)
    if logical_type == "integer":
        value = int(text)
        canonical, data = str(value), value.to_bytes(8, "little", signed=True)
    elif logical_type == "decimal":
        number = Decimal(text)
        canonical = f"{number:.6f}"
        data = int(number.scaleb(6).to_integral_exact()).to_bytes(16, "little", signed=True)
    elif logical_type == "double":
        number = float(text)
        canonical, data = f"{number:.17g}", struct.pack("<d", number)
    elif logical_type == "date":
        day = dt.date.fromisoformat(text)
        canonical, data = day.isoformat(), struct.pack("<i", day.toordinal() - EPOCH_DAY)
    elif logical_type == "timestamp":
        moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")  # noqa: DTZ007 -- local wall time, no zone
        delta = moment - EPOCH
        canonical = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        data = struct.pack("<q", (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    else:
        canonical, data = text, {"1": b"\x01", "0": b"\x00"}[text]
    if canonical != text:
        raise ValueError(f"“{text}”不是{logical_type}值的规范文本")
    return data


def rows_hash(columns, rows):
    """(row count, rows hash) of rows given as the canonical texts of their values (None for NULL)."""
    streams = [(hashlib.sha256(), hashlib.sha256(), hashlib.sha256()) for _c in columns]
    count = 0
    for row in rows:
        count += 1
        for (presence, values, text_stream), (_name, logical_type), text in zip(streams, columns, row, strict=True):
            presence.update(b"\x00" if text is None else b"\x01")
            values.update(_value_bytes(text, logical_type))
            if logical_type == "string" and text is not None:
                text_stream.update(text.encode("utf-8"))
    lines = []
    for (presence, values, text_stream), (name, logical_type) in zip(streams, columns, strict=True):
        parts = [name, logical_type, presence.hexdigest(), values.hexdigest()]
        if logical_type == "string":
            parts.append(text_stream.hexdigest())
        lines.append(":".join(parts) + "\n")
    return count, hashlib.sha256((f"rows={count}\n" + "".join(lines)).encode("utf-8")).hexdigest()


def rows_hash_v1(rows):
    """(row count, version-1 rows hash) of rows given as canonical texts (None for NULL): row digests, sorted."""
    digests = []
    for row in rows:
        body = "".join("-" if t is None else f"{len(t.encode('utf-8'))}:{t}" for t in row)
        digests.append(hashlib.sha256(body.encode("utf-8")).hexdigest())
    return len(digests), hashlib.sha256("".join(sorted(digests)).encode("ascii")).hexdigest()


def cell_text(cell):
    if cell == "\\N":
        return None
    if cell.startswith("\\\\"):
        return cell[1:]
    return cell


def version_of(s):
    return s.get("version", 2)


def seal_of(s):
    lines = [SEAL_HEADERS[version_of(s)], f"dataset={s['dataset']}", f"batch={s['batch']}", f"previous={s['previous']}",
             "columns=" + ",".join(f"{n}:{t}" for n, t in s["columns"]), f"rows={s['rows']}",
             f"rows_sha256={s['rows_sha256']}", f"file_sha256={s['file_sha256']}", f"importer={s['importer']}",
             f"sealed_at={s['sealed_at']}"]
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def _file_sha256(package, name):
    digest = hashlib.sha256()
    with package.open(name) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _BadRow(Exception):
    pass


def _batch_rows(package, s, where, failures):
    """The rows of one batch's file as canonical texts, streamed (a file of millions of rows is never held whole)."""
    columns = [tuple(c) for c in s["columns"]]
    with package.open(s["rows_file"]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = next(reader, [])
        if header != [n for n, _t in columns]:
            failures.append(f"{where}：数据行文件的字段与封存字段不一致")
            return None
        try:
            if version_of(s) == 1:
                return rows_hash_v1(_checked(reader, len(header), where))
            return rows_hash(columns, _checked(reader, len(header), where))
        except (_BadRow, ValueError, KeyError, ArithmeticError) as exc:  # a value that is not its type's text
            failures.append(f"{where}：数据行文件无法按封存字段读取（{exc}）")
            return None


def _checked(reader, width, where):
    for row in reader:
        if len(row) != width:
            raise _BadRow(f"第 {reader.line_num} 行的字段数不对")
        yield [cell_text(c) for c in row]


def verify(path):
    """Return (failures, seals) for the package at `path`."""
    failures = []
    with zipfile.ZipFile(path) as package:
        manifest = json.loads(package.read("manifest.json").decode("utf-8"))
        names = set(package.namelist())
        for name, expected in manifest.get("files", {}).items():
            if name not in names:
                failures.append(f"缺少文件 {name}")
            elif _file_sha256(package, name) != expected:
                failures.append(f"文件 {name} 的 SHA-256 与清单不符（文件被改动）")
        seals = manifest.get("seals", [])
        for s in seals:
            where = f"数据集 {s['dataset']} 批次 #{s['batch']}"
            if version_of(s) not in SEAL_HEADERS:
                failures.append(f"{where}：未知的封存算法版本 {version_of(s)}")
                continue
            if seal_of(s) != s["seal"]:
                failures.append(f"{where}：按记录内容重新计算的封存值与封存值不一致（封存记录被改动）")
            if s["rows_file"] not in names:
                failures.append(f"{where}：缺少数据行文件 {s['rows_file']}")
                continue
            try:
                hashed = _batch_rows(package, s, where, failures)
            except UnicodeDecodeError:
                failures.append(f"{where}：数据行文件不是 UTF-8 文本（数据行被改动）")
                continue
            if hashed is None:
                continue
            count, digest = hashed
            if count != s["rows"]:
                failures.append(f"{where}：封存 {s['rows']} 行，证据包中有 {count} 行")
            elif digest != s["rows_sha256"]:
                failures.append(f"{where}：数据行哈希与封存不符（数据行被改动）")
        by_key = {(s["dataset"], s["sequence"]): s for s in seals}
        for s in seals:
            before = by_key.get((s["dataset"], s["sequence"] - 1))
            if before is not None and s["previous"] != before["seal"]:
                failures.append(f"数据集 {s['dataset']} 批次 #{s['batch']}：与上一封存批次的链接断开")
    return failures, seals


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    try:
        failures, seals = verify(argv[1])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        print(f"证据包无法读取：{exc}")
        return 1
    for failure in failures:
        print(f"不符：{failure}")
    for s in seals:
        print(f"封存 {s['dataset']} 批次 #{s['batch']}（第 {s['sequence']} 号，{s['rows']} 行，"
              f"封存算法第 {version_of(s)} 版，源文件 SHA-256 {s['file_sha256']}）：{s['seal']}")
    if failures:
        print(f"校验未通过：{len(failures)} 处不符。")
        return 1
    print(f"校验通过：{len(seals)} 个封存批次的数据行与封存一致。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
