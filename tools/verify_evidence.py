#!/usr/bin/env python3
"""Verify a Qingshan evidence package (证据包) on its own: Python 3.11 or later, standard library only.

Usage:  python3 verify_evidence.py evidence.zip

What it checks, and how (the encoding is that of qingshan/datasets/sealing.py, format qingshan-batch-seal/1):

1. Every file listed in manifest.json has the SHA-256 recorded there (the model's definition and SQL, the rows).
2. For every sealed batch: the rows file is read as CSV (header of column names; each cell a value's canonical text,
   ``\\N`` for NULL, a leading backslash doubled); each row's digest is the SHA-256 of its fields written as
   ``<UTF-8 byte length>:<text>`` (NULL as ``-``) in column order; the batch's rows hash is the SHA-256 of the row
   digests sorted and concatenated. It must equal the seal's ``rows_sha256``, and the row count its ``rows``.
3. The seal is recomputed as the SHA-256 of the lines ``qingshan-batch-seal/1``, ``dataset=``, ``batch=``,
   ``previous=``, ``columns=name:type,...``, ``rows=``, ``rows_sha256=``, ``file_sha256=``, ``importer=``,
   ``sealed_at=`` (each ended by a newline) and must equal the recorded seal; seals of consecutive sequence numbers
   of one data set must link (``previous`` = the seal before).

Exit status 0 when everything verifies, 1 when anything does not (each failure is printed). The seals printed
at the end should be compared with those the commission's audit log recorded when the batches were imported: this
script proves the rows are the ones sealed, the audit log proves when and by whom they were sealed.
"""
import csv
import hashlib
import io
import json
import sys
import zipfile

SEAL_VERSION = "qingshan-batch-seal/1"


def row_digest(texts):
    body = "".join("-" if t is None else f"{len(t.encode('utf-8'))}:{t}" for t in texts)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def cell_text(cell):
    if cell == "\\N":
        return None
    if cell.startswith("\\\\"):
        return cell[1:]
    return cell


def seal_of(s):
    lines = [SEAL_VERSION, f"dataset={s['dataset']}", f"batch={s['batch']}", f"previous={s['previous']}",
             "columns=" + ",".join(f"{n}:{t}" for n, t in s["columns"]), f"rows={s['rows']}",
             f"rows_sha256={s['rows_sha256']}", f"file_sha256={s['file_sha256']}", f"importer={s['importer']}",
             f"sealed_at={s['sealed_at']}"]
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def verify(path):
    """Return (failures, seals) for the package at `path`."""
    failures = []
    with zipfile.ZipFile(path) as package:
        manifest = json.loads(package.read("manifest.json").decode("utf-8"))
        names = set(package.namelist())
        for name, expected in manifest.get("files", {}).items():
            if name not in names:
                failures.append(f"缺少文件 {name}")
            elif hashlib.sha256(package.read(name)).hexdigest() != expected:
                failures.append(f"文件 {name} 的 SHA-256 与清单不符（文件被改动）")
        seals = manifest.get("seals", [])
        for s in seals:
            where = f"数据集 {s['dataset']} 批次 #{s['batch']}"
            if seal_of(s) != s["seal"]:
                failures.append(f"{where}：按记录内容重新计算的封存值与封存值不一致（封存记录被改动）")
            if s["rows_file"] not in names:
                failures.append(f"{where}：缺少数据行文件 {s['rows_file']}")
                continue
            text = package.read(s["rows_file"]).decode("utf-8")
            reader = csv.reader(io.StringIO(text, newline=""))
            header = next(reader, [])
            if header != [n for n, _t in s["columns"]]:
                failures.append(f"{where}：数据行文件的字段与封存字段不一致")
                continue
            digests = []
            for row in reader:
                if len(row) != len(header):
                    failures.append(f"{where}：数据行文件第 {reader.line_num} 行的字段数不对")
                    break
                digests.append(row_digest([cell_text(c) for c in row]))
            rows_hash = hashlib.sha256("".join(sorted(digests)).encode("ascii")).hexdigest()
            if len(digests) != s["rows"]:
                failures.append(f"{where}：封存 {s['rows']} 行，证据包中有 {len(digests)} 行")
            elif rows_hash != s["rows_sha256"]:
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
              f"源文件 SHA-256 {s['file_sha256']}）：{s['seal']}")
    if failures:
        print(f"校验未通过：{len(failures)} 处不符。")
        return 1
    print(f"校验通过：{len(seals)} 个封存批次的数据行与封存一致。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
