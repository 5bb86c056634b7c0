"""JSON input that cannot take the worker down: nesting deeper than any real request is refused as a parse error."""
import io

from rest_framework import exceptions, parsers

MAX_DEPTH = 32


def _depth_exceeded(text: str) -> bool:
    """True if brackets nest deeper than MAX_DEPTH (outside strings); cheap, before json.loads recurses."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


class InputRefused(exceptions.ParseError):
    """A parse error whose Chinese message says exactly what is wrong (kept by the API's error handler)."""


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing JSON nested deeper than MAX_DEPTH (Python's json would hit its recursion limit)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputRefused("请求内容不是有效的 UTF-8 编码。") from exc
        if _depth_exceeded(text):
            raise InputRefused(f"请求内容嵌套超过 {MAX_DEPTH} 层，无法处理。")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:
            raise InputRefused(f"请求内容嵌套超过 {MAX_DEPTH} 层，无法处理。") from exc

