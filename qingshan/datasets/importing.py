"""All-or-nothing import of one file into a data set: detect the format and encoding, stage the rows in DuckDB as
text, validate them there with set-based SQL (so files of hundreds of MB never pass through Python row by row),
then append or replace inside the same DuckDB transaction. Any error rolls everything back.
"""
import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import charset_normalizer
import duckdb

from qingshan.core.spreadsheets import Sheet, SpreadsheetRefused, first_sheet_rows

from .catalog import COLUMN_TYPES
from .sealing import BATCH_COLUMN, batch_hashes
from .storage import quote_ident, quote_literal, typed_sql
from .vocabulary import choice_codes_by_label, choices_shown

log = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 200
CHUNK_BYTES = 4 * 1024 * 1024
XLSX_CHUNK_ROWS = 50_000
STAGING = "stg_import"
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
NON_ASCII = re.compile(b"[\x80-\xff]")
# A newline, then a line of ASCII and well-formed UTF-8 multi-byte characters, at least one (each branch starts on
# a distinct byte, so matching never backtracks; the leading newline lets the engine jump from line to line).
UTF8_LINE = re.compile(rb"\n[\x00-\x09\x0b-\x7f]*(?:(?:[\xc2-\xdf]|[\xe0-\xef][\x80-\xbf]|[\xf0-\xf4][\x80-\xbf]{2})"
                       rb"[\x80-\xbf][\x00-\x09\x0b-\x7f]*)+(?=\n)")

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）", "gbk": "GBK", "gb18030": "GB18030"}
TYPE_WORDS = {"integer": "整数", "decimal": "数字", "double": "数字", "date": "日期（如 2026-03-01）",
              "timestamp": "时间（如 2026-03-01 08:00:00）", "boolean": "是/否", "string": "文本"}
# What charset-normalizer calls an encoding, in words a data officer recognises.
FOREIGN_ENCODINGS = {"big5": "Big5（繁体中文）", "cp950": "Big5（繁体中文）", "big5hkscs": "Big5-HKSCS（繁体中文）",
                     "utf_16": "UTF-16", "utf_16_le": "UTF-16", "utf_16_be": "UTF-16", "utf_32": "UTF-32",
                     "shift_jis": "Shift-JIS（日文）", "cp932": "Shift-JIS（日文）", "euc_jp": "EUC-JP（日文）",
                     "euc_kr": "EUC-KR（韩文）", "cp949": "EUC-KR（韩文）"}
_BROKEN_XLSX = "Excel 文件已损坏或不完整，无法读取（{}）。请重新导出后再导入。"
SUPPORTED = "请另存为 UTF-8、GBK 或 GB18030 编码的 CSV 文件，或 .xlsx、Parquet 文件后重新导入。"


class ImportRefused(Exception):
    """The file cannot be imported; `summary` says why, `errors` lists up to MAX_LISTED_ERRORS row/column messages."""

    def __init__(self, summary: str, errors: list[str] | None = None, count: int | None = None):
        super().__init__(summary)
        self.summary = summary
        self.errors = list(errors or [])[:MAX_LISTED_ERRORS]
        self.count = count if count is not None else len(errors or [])


class NotUtf8(ImportRefused):
    """DuckDB's reader met bytes that are not UTF-8 in a file taken as UTF-8 from its first bytes."""


Progress = Callable[..., None]


def _no_progress(**_kwargs) -> None:
    return None


# ---------------------------------------------------------------- format and encoding


def detect_format(path: Path, original_name: str) -> str:
    """'csv', 'xlsx' or 'parquet', from the file's first bytes and its name."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    name = original_name.lower()
    if name.endswith(".xls") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后重新导入。")
    if head.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        return "xlsx"
    if head.startswith(b"PAR1") or name.endswith(".parquet"):
        return "parquet"
    return "csv"


def _guess(sample: bytes) -> str:
    """charset-normalizer's name for what a sample looks like, in words; '' when it cannot tell."""
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return ""
    return FOREIGN_ENCODINGS.get(best.encoding, best.encoding.upper().replace("_", "-"))


def _first_bad_line(chunks: Iterable[bytes], encoding: str, sink: IO[bytes] | None = None,
                    progress: Progress = _no_progress, total: int = 1, final: bool = True) -> int | None:
    """Decode `chunks` strictly in `encoding` and return the number of the first line that does not decode (None when
    all do). When `sink` is given the text is written there as UTF-8 in the same pass, so a GBK file is decoded once
    for checking and re-encoding. Memory stays flat: one chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = done = 0  # newlines in the chunks already decoded (a character cut at a chunk's end holds none)
    try:
        for chunk in chunks:
            text = decoder.decode(chunk)
            utf8 = text.encode("utf-8") if sink is not None or encoding == "gb18030" else b""
            # Private-use characters mean the bytes were something else (Big5 often "decodes" as GB18030).
            # Python's GBK never yields them; searching the UTF-8 bytes for their lead bytes is fast.
            if encoding == "gb18030" and (b"\xee" in utf8 or b"\xef" in utf8) and \
                    (private := PRIVATE_USE.search(text)) is not None:
                return lines + text.count("\n", 0, private.start()) + 1
            if sink is not None:
                sink.write(utf8)
                done += len(chunk)
                progress(phase="检测并转换编码", percent=5 + int(25 * done / total))
            lines += chunk.count(b"\n")
        tail = decoder.decode(b"", final=final)
        if sink is not None:
            sink.write(tail.encode("utf-8"))
    except UnicodeDecodeError as exc:
        return lines + exc.object[:exc.start].count(b"\n") + 1
    return None


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _bad_line(path: Path, encoding: str, out: Path | None = None, progress: Progress = _no_progress) -> int | None:
    """The first line of the file at `path` that does not decode in `encoding` (see _first_bad_line)."""
    total = max(path.stat().st_size, 1)
    with open(out, "wb") if out else contextlib.nullcontext() as sink:
        return _first_bad_line(_chunks(path), encoding, sink, progress, total)


def _first_text(path: Path, sample: bytes) -> bytes:
    """Up to 64 KB from the start of the first line holding a non-ASCII byte: the text that decides the encoding
    (b'' for a pure-ASCII file). A file may run in ASCII for megabytes before its first Chinese character."""
    offset = 0
    with open(path, "rb") as handle:
        chunk = sample
        while chunk:
            found = NON_ASCII.search(chunk)
            if found is not None:
                start = offset + chunk.rfind(b"\n", 0, found.start()) + 1
                handle.seek(start)
                return handle.read(64 * 1024)
            offset += len(chunk)
            handle.seek(offset)
            chunk = handle.read(CHUNK_BYTES)
    return b""


def _mixed(line: int, detail: str) -> ImportRefused:
    return ImportRefused(f"文件编码不一致：第 {line} 行{detail}，文件可能混用了多种编码。"
                         f"请用文本编辑器检查该行，统一编码后重新导入。{SUPPORTED}")


def _common_share(text: str) -> float:
    """The share of a line's non-ASCII characters that are among the 3,755 most common Chinese characters (GB2312
    level 1): nearly all of real Chinese text, few of the characters that bytes misread in another encoding give."""
    wide = [c for c in text if c > "\x7f"]
    common = 0
    for c in wide:
        try:
            common += 0xB0 <= c.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            continue
    return common / max(len(wide), 1)


def _utf8_line(path: Path, encoding: str) -> int | None:
    """The first line of a file that decodes as GBK/GB18030 but is really UTF-8 (pasted in from elsewhere): its
    bytes are valid UTF-8 and read so hold a larger share of common characters. UTF-8 Chinese read as GBK gives
    rarer and extension characters (鏀挎媺 for 政拉), while genuine GBK text is seldom valid UTF-8 at all, and then
    reads as Latin, Greek or rare characters."""
    lines, carry = 0, b""
    chunks = _chunks(path)
    for chunk in itertools.chain(chunks, [b"\n"]):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        data, carry = (data[:cut], data[cut:]) if cut or len(data) < CHUNK_BYTES else (data, b"")
        for match in UTF8_LINE.finditer(b"\n" + data):  # match.start() is the newline before the line
            line = match.group()[1:]
            try:
                as_utf8 = line.decode("utf-8")  # the pattern lets a few ill-formed sequences through
            except UnicodeDecodeError:
                continue
            if _common_share(as_utf8) > max(_common_share(line.decode(encoding, "replace")), 0.5):
                return lines + data.count(b"\n", 0, match.start()) + 1
        lines += data.count(b"\n")
    return None


def detect_encoding(path: Path, utf8_copy: Path | None = None, progress: Progress = _no_progress) -> str:
    """'utf-8', 'utf-8-sig', 'gbk' or 'gb18030' for a CSV file; ImportRefused naming what was found otherwise.
    The encoding is decided on the file's first non-ASCII text, then the WHOLE file is decoded strictly in it: a
    line further on in another encoding is refused by its number, never imported as garbled text. For GBK/GB18030
    a UTF-8 copy is written to `utf8_copy` (when given) in the same pass."""
    with open(path, "rb") as handle:
        sample = handle.read(64 * 1024)
    if not sample:
        raise ImportRefused("文件为空（0 字节），没有可导入的内容。")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(f"文件编码为 UTF-16，系统不支持该编码。{SUPPORTED}")
    if b"\x00" in sample:
        guess = _guess(sample)
        if guess.startswith("UTF-16") or guess.startswith("UTF-32"):
            raise ImportRefused(f"文件编码为 {guess}，系统不支持该编码。{SUPPORTED}")
        raise ImportRefused(f"文件不是文本格式的 CSV（含有二进制内容），无法识别。{SUPPORTED}")
    if sample.startswith(codecs.BOM_UTF8):
        if (line := _bad_line(path, "utf-8")) is not None:
            raise ImportRefused(f"文件以 UTF-8 标记开头，但第 {line} 行不是 UTF-8 编码，"
                                f"文件可能已损坏或混用了多种编码。{SUPPORTED}")
        return "utf-8-sig"
    first = _first_text(path, sample)
    if _first_bad_line([first], "utf-8", final=False) is None:
        # UTF-8 from its first non-ASCII character on (or plain ASCII): every later line must be UTF-8 too.
        if (line := _bad_line(path, "utf-8")) is not None:
            raise _mixed(line, "不是 UTF-8 编码（此前的内容是 UTF-8）")
        return "utf-8"
    for encoding in ("gbk", "gb18030"):
        if (line := _bad_line(path, encoding, utf8_copy, progress)) is None:
            if (line := _utf8_line(path, encoding)) is not None:
                raise _mixed(line, f"是 UTF-8 编码（文件其余内容是 {ENCODING_LABELS[encoding]}）")
            # Traditional-Chinese Big5 text can also be valid GBK byte for byte; ask the detector before trusting it.
            # (Asked about the file's start: a few Chinese characters after pages of ASCII are too little to tell.)
            if (guess := _guess(sample)).startswith("Big5"):
                raise ImportRefused(f"无法识别文件编码：检测结果为 {guess}，系统不支持该编码。{SUPPORTED}")
            return encoding
    if _first_bad_line([first], "gb18030", final=False) is None:
        raise _mixed(line, "不是 GBK 或 GB18030 编码（此前的内容是 GBK）")
    guess = _guess(first)
    if guess:
        raise ImportRefused(f"无法识别文件编码：检测结果为 {guess}，系统不支持该编码。{SUPPORTED}")
    raise ImportRefused(f"无法识别文件编码：文件内容不像任何文本编码，可能不是 CSV 文件或已损坏。{SUPPORTED}")


def read_csv_header(path: Path) -> list[str]:
    """The header row of a UTF-8 CSV file (BOM allowed)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        try:
            header = next(csv.reader(handle))
        except StopIteration:
            raise ImportRefused("文件为空：没有表头，也没有数据行。") from None
        except csv.Error as exc:
            raise ImportRefused(f"表头行格式错误：{exc}") from None
    if not any(h.strip() for h in header):
        raise ImportRefused("文件第一行是空行：第一行必须是表头（字段名或中文名）。")
    return header


# ---------------------------------------------------------------- xlsx


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return str(value).strip()


def xlsx_to_csv(path: Path, out: Path, progress: Progress = _no_progress) -> None:
    """Stream the first worksheet of an .xlsx file into a UTF-8 CSV, in chunks of rows, within the spreadsheet
    limits (core/spreadsheets.py refuses bombs, oversize sheets and slow reads before anything is staged)."""
    try:
        with first_sheet_rows(path) as sheet:
            _write_sheet_csv(sheet, out, progress)
    except SpreadsheetRefused as exc:
        raise ImportRefused(str(exc)) from exc
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        raise ImportRefused(_BROKEN_XLSX.format(type(exc).__name__)) from exc


def _write_sheet_csv(sheet: Sheet, out: Path, progress: Progress) -> None:
    total = max(sheet.max_row - 1, 0)
    written = 0
    pending_blank = 0  # blank rows are kept only when data follows, so row numbers stay those of Excel
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        width = None
        for row in sheet.rows:
            cells = [_cell_text(v) for v in row]
            if width is None:
                while cells and not cells[-1]:
                    cells.pop()
                width = len(cells)
                if not width:
                    raise ImportRefused("Excel 文件第一行是空行：第一行必须是表头（字段名或中文名）。")
                writer.writerow(cells)
                continue
            cells = (cells + [""] * width)[:width] if len(cells) != width else cells
            if not any(cells):
                pending_blank += 1
                continue
            for _ in range(pending_blank):
                writer.writerow([""] * width)
            pending_blank = 0
            writer.writerow(cells)
            written += 1
            if written % XLSX_CHUNK_ROWS == 0:
                handle.flush()
                progress(phase="读取 Excel", rows_done=written, rows_total=max(total, written),
                         percent=10 + int(20 * written / max(total, written)))
        if width is None:
            raise ImportRefused("Excel 文件为空：没有表头，也没有数据行。")


# ---------------------------------------------------------------- header mapping


def map_header(header: list[str], columns: list[dict]) -> list[str]:
    """The schema column name for each header cell (names or Chinese labels accepted); ImportRefused otherwise."""
    by_name = {c["name"]: c["name"] for c in columns}
    by_label = {c["label"]: c["name"] for c in columns}
    mapped, unknown, seen, duplicated = [], [], set(), []
    for cell in header:
        text = cell.strip().lstrip("\ufeff")
        name = by_name.get(text.lower()) or by_label.get(text)
        if name is None:
            unknown.append(text or "（空白）")
            continue
        if name in seen:
            duplicated.append(text)
        seen.add(name)
        mapped.append(name)
    problems = []
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(f'“{u}”' for u in unknown)}")
    if duplicated:
        problems.append(f"重复的列：{'、'.join(f'“{d}”' for d in duplicated)}")
    missing = [c["label"] for c in columns if c["required"] and c["name"] not in seen]
    if missing:
        problems.append(f"缺少必填列：{'、'.join(f'“{m}”' for m in missing)}")
    if problems:
        raise ImportRefused("表头与数据集结构不符：" + "；".join(problems) + "。", problems)
    return mapped


# ---------------------------------------------------------------- staging, validation and the write


@dataclass
class Staged:
    """What has been staged: the columns present in the file (schema names) and the number of data rows."""

    present: list[str]
    rows: int
    notes: list[str] = field(default_factory=list)


def ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: list[dict]) -> None:
    """Create the data set's table if it is missing and add any column the schema has gained."""
    defs = ", ".join(f"{quote_ident(c['name'])} {COLUMN_TYPES[c['type']]}" for c in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {quote_ident(table)} ({defs}, {quote_ident(BATCH_COLUMN)} BIGINT)")
    existing = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'",
        [table]).fetchall()}
    if BATCH_COLUMN not in existing:  # a table made before batches were sealed: its old rows belong to no batch
        con.execute(f"ALTER TABLE {quote_ident(table)} ADD COLUMN {quote_ident(BATCH_COLUMN)} BIGINT")
    for c in columns:
        if c["name"] not in existing:
            con.execute(f"ALTER TABLE {quote_ident(table)} ADD COLUMN {quote_ident(c['name'])} "
                        f"{COLUMN_TYPES[c['type']]}")


def _csv_error(exc: duckdb.Error) -> ImportRefused:
    text = str(exc)
    line = ""
    if "CSV Error on Line:" in text:
        line = text.split("CSV Error on Line:", 1)[1].split()[0]
    where = f"第 {line} 行附近" if line else "文件中"
    if "unterminated quote" in text:
        return ImportRefused(f"文件不完整或格式错误：{where}有未闭合的引号，文件可能被截断。")
    if "Expected Number of Columns" in text:
        found = text.split("Found:", 1)[1].split()[0] if "Found:" in text else "?"
        expected = text.split("Expected Number of Columns:", 1)[1].split()[0]
        return ImportRefused(f"文件格式错误：{where}的列数为 {found}，表头有 {expected} 列，"
                             "文件可能被截断或分隔符不对。")
    if "unicode" in text.lower():
        return NotUtf8(f"文件编码错误：{where}有不是 UTF-8 的字符，文件可能混用了多种编码。{SUPPORTED}")
    return ImportRefused(f"CSV 文件无法读取：{where}格式错误。")


# Types DuckDB's CSV reader may convert itself on the fast path: its casts accept a subset of what typed_sql()
# accepts, so a file it takes is one the text path would take too. Integers stay text: the reader rounds '1.5' to 2.
NATIVE_TYPES = ("decimal", "double", "date", "timestamp", "boolean")


def native_columns(header: list[str], columns: list[dict]) -> frozenset[str]:
    """The staged columns the fast path lets DuckDB's reader convert."""
    types = {c["name"]: c["type"] for c in columns}
    return frozenset(n for n in header if types[n] in NATIVE_TYPES)


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], columns: list[dict] | None = None,
              native: frozenset[str] = frozenset()) -> int:
    """Load a UTF-8 CSV into the staging table, columns named by schema names, in file order: as text, except the
    `native` columns, which the reader converts (a conversion error then raises duckdb.ConversionException)."""
    types = {c["name"]: COLUMN_TYPES[c["type"]] for c in columns or []}
    spec = ", ".join(f"{quote_literal(name)}: {quote_literal(types[name] if name in native else 'VARCHAR')}"
                     for name in header)
    try:
        con.execute(
            f"CREATE TEMP TABLE {STAGING} AS SELECT * FROM read_csv($path, header = true, auto_detect = false, "
            f"columns = {{{spec}}}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            f"null_padding = false, encoding = 'utf-8')", {"path": str(path)})
    except duckdb.ConversionException as exc:
        if native:
            raise  # the caller stages again as text
        raise _csv_error(exc) from exc
    except duckdb.Error as exc:
        raise _csv_error(exc) from exc
    return con.execute(f"SELECT count(*) FROM {STAGING}").fetchone()[0]


def parquet_header(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The column names of a Parquet file; ImportRefused when it cannot be read."""
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()
        return [r[0] for r in described]
    except duckdb.Error as exc:
        raise ImportRefused("Parquet 文件已损坏或不完整，无法读取。请重新导出后再导入。") from exc


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], mapped: list[str]) -> int:
    """Load a Parquet file into the staging table as text, so it is validated exactly like a CSV."""
    select = ", ".join(f"CAST({_quote_any(src)} AS VARCHAR) AS {quote_ident(dst)}"
                       for src, dst in zip(header, mapped, strict=True))
    try:
        con.execute(f"CREATE TEMP TABLE {STAGING} AS SELECT {select} FROM read_parquet($path)", {"path": str(path)})
    except duckdb.Error as exc:
        raise ImportRefused("Parquet 文件已损坏或不完整，无法读取。请重新导出后再导入。") from exc
    return con.execute(f"SELECT count(*) FROM {STAGING}").fetchone()[0]


def _quote_any(name: str) -> str:
    """A quoted identifier for a name read from a file (only used after map_header accepted it)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Check:
    column: dict
    condition: str  # SQL, true for an offending staged row
    message: str  # format with {row}, {value}


def _typed(name: str, logical_type: str, native: frozenset[str], qualifier: str = "") -> str:
    """The typed value of a staged column: converted by the reader already, or by typed_sql() from text."""
    if name in native:
        return f"{qualifier}.{quote_ident(name)}" if qualifier else quote_ident(name)
    return typed_sql(name, logical_type, qualifier)


def _checks(columns: list[dict], present: list[str], key: list[str], native: frozenset[str]) -> list[_Check]:
    checks = []
    for c in columns:
        if c["name"] not in present:
            continue
        typed = _typed(c["name"], c["type"], native)
        raw = typed if c["name"] in native else f"NULLIF(TRIM({quote_ident(c['name'])}), '')"
        label = c["label"]
        if c["required"] or c["name"] in key:
            checks.append(_Check(c, f"{raw} IS NULL", f"第 {{row}} 行“{label}”：不能为空"))
        if c["type"] != "string" and c["name"] not in native:
            checks.append(_Check(c, f"{raw} IS NOT NULL AND ({typed}) IS NULL",
                                 f"第 {{row}} 行“{label}”：“{{value}}”不是{TYPE_WORDS[c['type']]}"))
        cast = COLUMN_TYPES[c["type"]]
        if c.get("min") is not None:
            checks.append(_Check(c, f"({typed}) < CAST({quote_literal(c['min'])} AS {cast})",
                                 f"第 {{row}} 行“{label}”：“{{value}}”小于下限 {c['min']}"))
        if c.get("max") is not None:
            checks.append(_Check(c, f"({typed}) > CAST({quote_literal(c['max'])} AS {cast})",
                                 f"第 {{row}} 行“{label}”：“{{value}}”大于上限 {c['max']}"))
        if c.get("choices"):
            allowed = ", ".join(quote_literal(v) for v in c["choices"])
            shown = choices_shown(c)
            checks.append(_Check(c, f"{raw} IS NOT NULL AND {raw} NOT IN ({allowed})",
                                 f"第 {{row}} 行“{label}”：“{{value}}”不在可选值范围内（{shown}）"))
    return checks


def codes_from_labels(con: duckdb.DuckDBPyConnection, columns: list[dict], present: list[str]) -> None:
    """Turn the Chinese labels of choices in the staged rows into their codes (氨氮 → nh3n), in place (rowids, and
    so the rows' numbers in messages, are kept); a value that is neither a code nor a label is left for
    validation to refuse by its row."""
    for c in columns:
        labels = choice_codes_by_label(c)
        if c["name"] not in present or not labels:
            continue
        name = quote_ident(c["name"])
        cases = " ".join(f"WHEN {quote_literal(label)} THEN {quote_literal(code)}" for label, code in labels.items())
        listed = ", ".join(quote_literal(label) for label in labels)
        con.execute(f"UPDATE {STAGING} SET {name} = CASE TRIM({name}) {cases} END WHERE TRIM({name}) IN ({listed})")


def validate_staged(con: duckdb.DuckDBPyConnection, *, table: str, columns: list[dict], key: list[str],
                    present: list[str], mode: str, first_row: int = 2, native: frozenset[str] = frozenset()) -> None:
    """Check every staged value against its column's type and limits, and keys for duplicates; ImportRefused
    listing the first MAX_LISTED_ERRORS problems by row and column (row numbers as in the file: header is row 1)."""
    checks = _checks(columns, present, key, native)
    errors: list[tuple[int, int, str]] = []
    total = 0
    if checks:
        counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {c.condition})" for c in checks)
                             + f" FROM {STAGING}").fetchone()
        order = {c["name"]: i for i, c in enumerate(columns)}
        for check, count in zip(checks, counts, strict=True):
            if not count:
                continue
            total += count
            rows = con.execute(f"SELECT rowid, {quote_ident(check.column['name'])} FROM {STAGING} "
                               f"WHERE {check.condition} ORDER BY rowid LIMIT {MAX_LISTED_ERRORS}").fetchall()
            errors += [(rowid + first_row, order[check.column["name"]],
                        check.message.format(row=rowid + first_row, value=_shown(value))) for rowid, value in rows]
    if not total and key:
        total, errors = _duplicate_keys(con, table=table, columns=columns, key=key, mode=mode, first_row=first_row,
                                        native=native)
    if total:
        errors.sort()
        listed = [e[2] for e in errors[:MAX_LISTED_ERRORS]]
        more = f"，以下列出前 {len(listed)} 个" if total > len(listed) else ""
        raise ImportRefused(f"数据校验未通过：共发现 {total} 处错误{more}，文件中的数据均未导入。", listed, total)


def _shown(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _duplicate_keys(con, *, table, columns, key, mode, first_row, native) -> tuple[int, list[tuple[int, int, str]]]:
    by_name = {c["name"]: c for c in columns}
    typed = [f"({_typed(k, by_name[k]['type'], native)})" for k in key]
    labels = "、".join(f"“{by_name[k]['label']}”" for k in key)
    key_list = ", ".join(typed)
    errors = []
    within = con.execute(f"SELECT count(*) FROM (SELECT {key_list} FROM {STAGING} GROUP BY ALL HAVING count(*) > 1)"
                         ).fetchone()[0]
    total = 0
    if within:
        keys = ", ".join(quote_ident(k) for k in key)
        rows = con.execute(
            f"SELECT rowid, {keys}, first FROM (SELECT rowid, {keys}, count(*) OVER w AS n, min(rowid) OVER w AS first "
            f"FROM {STAGING} WINDOW w AS (PARTITION BY {key_list})) WHERE n > 1 AND rowid <> first "
            f"ORDER BY rowid LIMIT {MAX_LISTED_ERRORS}").fetchall()
        total += con.execute(f"SELECT count(*) - count(DISTINCT ({key_list})) FROM {STAGING}").fetchone()[0]
        for row in rows:
            values = "、".join(_shown(v) for v in row[1:-1])
            errors.append((row[0] + first_row, 0, f"第 {row[0] + first_row} 行：主键（{labels}）“{values}”与第 "
                           f"{row[-1] + first_row} 行重复"))
    if mode == "append" and con.execute(f"SELECT EXISTS (SELECT 1 FROM {quote_ident(table)})").fetchone()[0]:
        match = " AND ".join(f"t.{quote_ident(k)} = ({_typed(k, by_name[k]['type'], native, 's')})" for k in key)
        exists = f"EXISTS (SELECT 1 FROM {quote_ident(table)} t WHERE {match})"
        count = con.execute(f"SELECT count(*) FROM {STAGING} s WHERE {exists}").fetchone()[0]
        if count:
            total += count
            rows = con.execute(f"SELECT s.rowid, {', '.join('s.' + quote_ident(k) for k in key)} FROM {STAGING} s "
                               f"WHERE {exists} ORDER BY s.rowid LIMIT {MAX_LISTED_ERRORS}").fetchall()
            for row in rows:
                values = "、".join(_shown(v) for v in row[1:])
                errors.append((row[0] + first_row, 0,
                               f"第 {row[0] + first_row} 行：主键（{labels}）“{values}”在数据集中已存在"))
    return total, errors


def write_staged(con: duckdb.DuckDBPyConnection, *, table: str, columns: list[dict], present: list[str],
                 mode: str, native: frozenset[str] = frozenset(), batch_id: int | None = None) -> int:
    """Append or replace the data set's rows from the staging table, each row marked with `batch_id` (the batch
    that writes it); returns the table's new row count."""
    if mode == "replace":
        con.execute(f"DELETE FROM {quote_ident(table)}")
    names = [c["name"] for c in columns if c["name"] in present] + [BATCH_COLUMN]
    values = ", ".join([_typed(c["name"], c["type"], native) for c in columns if c["name"] in present]
                       + [str(int(batch_id)) if batch_id is not None else "NULL"])
    con.execute(f"INSERT INTO {quote_ident(table)} ({', '.join(quote_ident(n) for n in names)}) "
                f"SELECT {values} FROM {STAGING}")  # insertion order is preserved: rows keep the file's order
    return con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0]


# ---------------------------------------------------------------- the whole import


def _stage_csv_fast_or_text(con, source: Path, mapped: list[str], columns: list[dict]) -> tuple[int, frozenset]:
    """Stage with the reader converting what it can; if some value does not convert, stage everything as text so
    validation can find and list every bad value. Returns the row count and the natively converted columns."""
    native = native_columns(mapped, columns)
    try:
        return stage_csv(con, source, mapped, columns, native), native
    except duckdb.ConversionException:
        con.execute(f"DROP TABLE IF EXISTS {STAGING}")
        return stage_csv(con, source, mapped), frozenset()


@dataclass
class Outcome:
    """What a successful import did."""

    file_format: str
    encoding: str
    rows: int
    table_rows: int
    rows_sha256: str = ""  # the hash of the batch's rows as stored (sealing.py), when a batch id was given


def import_file(con: duckdb.DuckDBPyConnection, *, path: Path, original_name: str, table: str, columns: list[dict],
                key: list[str], mode: str, progress: Progress = _no_progress,
                on_format: Callable[[str, str], None] | None = None, batch_id: int | None = None) -> Outcome:
    """Import `path` into `table` inside one DuckDB transaction on `con` (the caller holds the writer lock).
    Either everything is written and committed, or ImportRefused is raised and nothing has changed. With a
    `batch_id` the rows are marked with it and hashed as stored, before the commit (the seal's rows hash)."""
    progress(phase="识别文件", percent=2)
    # Staging rowids number the file's rows only while insertion order is kept (a model engine sharing this
    # process's DuckDB instance may have switched it off for its own speed).
    con.execute("SET preserve_insertion_order = true")
    file_format = detect_format(path, original_name)
    if path.stat().st_size == 0:
        raise ImportRefused("文件为空（0 字节），没有可导入的内容。")
    encoding = ""
    # Named after the file, so that recovery after a crash finds the scratch copies of a dead batch.
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f"{path.stem}-") as scratch:
        source = path
        if file_format == "csv":
            utf8_copy = Path(scratch) / "utf8.csv"
            encoding = detect_encoding(path, utf8_copy, progress)
            if on_format:
                on_format(file_format, ENCODING_LABELS[encoding])
            if encoding in ("gbk", "gb18030"):
                source = utf8_copy
        elif file_format == "xlsx":
            if on_format:
                on_format(file_format, "")
            source = Path(scratch) / "sheet.csv"
            xlsx_to_csv(path, source, progress)
        elif on_format:
            on_format(file_format, "")
        progress(phase="读取数据", percent=30)
        # The staging table is a scratch temp table outside the transaction (so its rowids number the file's rows);
        # the data set's own table is changed only inside the transaction below.
        con.execute(f"DROP TABLE IF EXISTS {STAGING}")
        try:
            native: frozenset[str] = frozenset()
            if file_format == "parquet":
                header = parquet_header(con, source)
                mapped = map_header(header, columns)
                rows = stage_parquet(con, source, header, mapped)
            else:
                mapped = map_header(read_csv_header(source), columns)
                rows, native = _stage_csv_fast_or_text(con, source, mapped, columns)
            if rows == 0:
                raise ImportRefused("文件只有表头，没有数据行，没有可导入的内容。")
            codes_from_labels(con, columns, mapped)
            progress(phase="校验数据", percent=60, rows_total=rows)
            con.execute("BEGIN TRANSACTION")
            try:
                ensure_table(con, table, columns)
                validate_staged(con, table=table, columns=columns, key=key, present=mapped, mode=mode, native=native)
                progress(phase="写入数据", percent=80, rows_total=rows)
                table_rows = write_staged(con, table=table, columns=columns, present=mapped, mode=mode, native=native,
                                          batch_id=batch_id)
                rows_sha256 = ""
                if batch_id is not None:
                    progress(phase="封存数据", percent=90, rows_total=rows)
                    sealed = batch_hashes(con, table, [(c["name"], c["type"]) for c in columns], [batch_id])
                    rows_sha256 = sealed[batch_id][1]
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    return Outcome(file_format=file_format, encoding=ENCODING_LABELS.get(encoding, ""), rows=rows,
                   table_rows=table_rows, rows_sha256=rows_sha256)


def rows_to_csv(rows: Iterable, names: list[str], out: Path) -> None:
    """Write rows (sequences in `names` order, or mappings by name) to a UTF-8 CSV with a header of `names`."""
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            values = [row.get(n) for n in names] if isinstance(row, dict) else list(row)
            values += [None] * (len(names) - len(values))  # short sequences leave the trailing columns empty
            writer.writerow([_cell_text(v) for v in values])


def error_report_text(errors: list[str], count: int, summary: str) -> str:
    """A plain-text error report for download."""
    buffer = io.StringIO()
    buffer.write(summary + "\n\n")
    for line in errors:
        buffer.write(line + "\n")
    if count > len(errors):
        buffer.write(f"……另有 {count - len(errors)} 处错误未列出。\n")
    return buffer.getvalue()
