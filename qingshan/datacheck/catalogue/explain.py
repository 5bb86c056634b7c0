"""Each catalogue model's explanation for the people who read its hits (issue 10): what it finds, what it does not,
its parameters and their basis in law, standard or practice.

One file per model, ``explanations/<code>.yaml``, in a fixed shape::

    finds: 发现什么（一段中文）
    does_not_find: 不发现什么（常见的误报如何排除）
    parameters:
      - {name: 参数名, meaning: 含义, default: 默认值, basis: 依据}
    basis: 法律、法规、标准或专业依据（写明条款）

A file that does not have exactly this shape is an error when the explanations are loaded (``ExplanationError``,
naming the file and what is wrong), not a half-filled page.
"""
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

EXPLANATIONS_DIR = Path(__file__).resolve().parent / "explanations"
TOP_KEYS = ("finds", "does_not_find", "parameters", "basis")
PARAMETER_KEYS = ("name", "meaning", "default", "basis")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class ExplanationError(ValueError):
    """A model explanation file is missing, malformed or incomplete (the message names the file)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    meaning: str
    default: str
    basis: str


@dataclass(frozen=True)
class Explanation:
    code: str
    finds: str
    does_not_find: str
    parameters: tuple[Parameter, ...]
    basis: str

    def as_dict(self) -> dict:
        return {"finds": self.finds, "does_not_find": self.does_not_find, "basis": self.basis,
                "parameters": [{"name": p.name, "meaning": p.meaning, "default": p.default, "basis": p.basis}
                               for p in self.parameters]}


def _text(value: object, where: str, *, scalar: bool = False) -> str:
    """A non-empty text (``scalar``: a number or a yes/no is written as text too, e.g. a default of 5)."""
    if scalar and isinstance(value, bool):
        value = "是" if value else "否"
    elif scalar and isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ExplanationError(f"{where}应为非空的文字")
    return " ".join(value.split())


def _keys(data: object, expected: tuple[str, ...], where: str) -> dict:
    if not isinstance(data, dict):
        raise ExplanationError(f"{where}应为键值对（{'、'.join(expected)}）")
    missing = [k for k in expected if k not in data]
    if missing:
        raise ExplanationError(f"{where}缺少“{'”、“'.join(missing)}”")
    extra = [str(k) for k in data if k not in expected]
    if extra:
        raise ExplanationError(f"{where}有不认识的键“{'”、“'.join(extra)}”（只允许 {'、'.join(expected)}）")
    return data


def parse_explanation(code: str, text: str) -> Explanation:
    """One explanation from its YAML text; ExplanationError (naming the file) if it is not in the fixed shape."""
    name = f"模型说明 {code}.yaml："
    if not _CODE.match(code):
        raise ExplanationError(f"{name}文件名应为模型代码（小写字母、数字和下划线）")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ExplanationError(f"{name}不是有效的 YAML（{exc}）") from exc
    data = _keys(data, TOP_KEYS, name)
    parameters = data["parameters"]
    if parameters is None:
        parameters = []
    if not isinstance(parameters, list):
        raise ExplanationError(f"{name}parameters 应为列表（没有参数时写 []）")
    parsed = []
    for number, item in enumerate(parameters, 1):
        where = f"{name}第 {number} 个参数"
        item = _keys(item, PARAMETER_KEYS, where)
        parsed.append(Parameter(name=_text(item["name"], f"{where}的 name"),
                                meaning=_text(item["meaning"], f"{where}的 meaning"),
                                default=_text(item["default"], f"{where}的 default", scalar=True),
                                basis=_text(item["basis"], f"{where}的 basis")))
    return Explanation(code=code, finds=_text(data["finds"], f"{name}finds"),
                       does_not_find=_text(data["does_not_find"], f"{name}does_not_find"),
                       parameters=tuple(parsed), basis=_text(data["basis"], f"{name}basis"))


def load_explanations(directory: Path = EXPLANATIONS_DIR, *, known: set[str] | None = None) -> dict[str, Explanation]:
    """Every explanation file in ``directory`` by model code; the first bad file raises ExplanationError, as does a
    file named after no model in ``known`` (when given)."""
    found = {}
    for path in sorted(directory.glob("*.yaml")):
        if known is not None and path.stem not in known:
            raise ExplanationError(f"模型说明 {path.name}：模型目录中没有代码为“{path.stem}”的模型")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ExplanationError(f"模型说明 {path.name}：应为 UTF-8 编码") from exc
        found[path.stem] = parse_explanation(path.stem, text)
    return found


@cache
def explanations() -> dict[str, Explanation]:
    """The shipped explanations (loaded and checked once per process), each of a model in the catalogue."""
    from . import catalogue_models

    return load_explanations(known={m.code for m in catalogue_models()})


def explanation_for(code: str) -> Explanation | None:
    """The shipped explanation of the catalogue model ``code``, or None if it has none."""
    return explanations().get(code)
