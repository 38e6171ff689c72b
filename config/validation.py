"""Pydantic validation whose errors name the file, the line, the key and what would be valid.

Every issue reads `file:line: key: 中文 / English message — what would be valid`: pydantic's own
texts ("Input should be a valid number") are replaced by the value given and a description of the
expected value taken from the model itself (choices of an enum, bounds of a number, id syntax).
"""

from __future__ import annotations

import difflib
import types
from enum import Enum
from inspect import isclass
from pathlib import PurePath
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from config.errors import ConfigError, ConfigIssue, InvalidValue, KeyPath
from config.source import Source
from config.types import DURATION_HINT, IDENTIFIER_PATTERN, parse_duration

M = TypeVar("M", bound=BaseModel)

_IDENTIFIER_TEXT = "an id of lowercase letters a-z, digits and _ . - starting with a letter or digit (hall-1)"
_BOUND_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_SIZE_TYPES = {"too_short", "too_long", "string_too_short", "string_too_long"}
_MAPPING_TYPES = {"dict_type", "model_type", "model_attributes_type", "mapping_type"}
_LIST_TYPES = {"list_type", "tuple_type", "iterable_type"}


def validate(model: type[M], source: Source) -> M:
    """`model` from the data of `source`, or ConfigError listing every problem with its line."""
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise ConfigError([_issue(model, source, err) for err in exc.errors()]) from None


def _issue(model: type[BaseModel], source: Source, err: Any) -> ConfigIssue:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    target = _resolve(model, loc)
    expected = _expect(*target) if target else ""
    message, hint, more = _describe(model, err, loc, target, expected)
    path = _data_path(source.data, (*loc, *more))
    return ConfigIssue(source.path, source.line_of(path), path, message, hint or _valid(expected))


Described = tuple[str, str, tuple[str, ...]]  # message, hint ("" for the expected value), key to add to loc


def _describe(
    model: type[BaseModel], err: Any, loc: tuple[str | int, ...], target: Target | None, expected: str
) -> Described:
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    given = err.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(_allowed_keys(model, loc))
        return f"未知配置项 / unknown key {loc[-1]!r}", _suggest(str(loc[-1]), allowed, "valid keys"), ()
    if kind == "missing":
        return (
            f"缺少必填项 / required key {loc[-1]!r} is missing",
            f"add {loc[-1]}: {expected}" if expected else f"add {loc[-1]}",
            (),
        )
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        tag_key = str(ctx.get("discriminator", "")).strip("'")
        tags = _union_tags(target[0])[1] if target else []
        hint = f"valid {tag_key}: {', '.join(tags)}" if tags else ""
        if kind == "union_tag_invalid":
            return f"未知 {tag_key} / unknown {tag_key} {ctx.get('tag')!r}", hint, (tag_key,)
        return f"缺少必填项 / required key {tag_key!r} is missing", hint, (tag_key,)
    if kind in {"enum", "literal_error"}:
        choices = _choices(target[0]) if target else []
        hint = _suggest(str(given), choices, "valid") if choices else _plain_msg(err)
        return f"取值无效 / invalid value{_shown(given)}", hint, ()
    error = ctx.get("error")
    if isinstance(error, InvalidValue):  # our validators say what is valid themselves
        return error.message, error.hint, (error.key,) if error.key else ()
    if kind in _BOUND_TYPES:
        return f"超出范围 / out of range{_shown(given)}", "", ()
    if kind in _SIZE_TYPES:
        return f"长度不对 / wrong length: {_plain_msg(err)}", "", ()
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        hint = _valid(_IDENTIFIER_TEXT if pattern == IDENTIFIER_PATTERN else f"text matching {pattern}")
        return f"取值无效 / invalid value{_shown(given)}", hint, ()
    if kind in _MAPPING_TYPES:
        return f"应为映射 / expected a mapping (key: value), got {_type_name(given)}", "", ()
    if kind in _LIST_TYPES:
        return f"应为列表 / expected a list, got {_type_name(given)}", "", ()
    return f"取值无效 / invalid value{_shown(given)}: {_plain_msg(err)}", "", ()


def _valid(expected: str) -> str:
    return f"valid: {expected}" if expected else ""


def _suggest(given: str, choices: list[str], label: str) -> str:
    """`did you mean 'timezone'? valid keys: …` — the close match first, when there is one."""
    if not choices:
        return "remove it"
    close = difflib.get_close_matches(given, choices, n=1)
    return (f"did you mean {close[0]!r}? " if close else "") + f"{label}: {', '.join(choices)}"


def _plain_msg(err: Any) -> str:
    """Pydantic's message without its prefix, as a short English clause."""
    text = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return text[:1].lower() + text[1:]


def _shown(value: Any) -> str:
    """` 'abc'` for a scalar the operator wrote; nothing for a mapping, list or missing value."""
    if isinstance(value, bool | int | float | str):
        text = repr(value if type(value) in {bool, int, float, str} else _builtin(value))
        return f" {text[:60]}…" if len(text) > 60 else f" {text}"
    return ""


def _builtin(value: bool | int | float | str) -> bool | int | float | str:
    """A ruamel scalar (HexInt, ScalarFloat, quoted strings) as the plain Python value it stands for."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{_shown(value).strip()}"


def _data_path(data: Any, loc: tuple[str | int, ...]) -> KeyPath:
    """The part of pydantic's `loc` that exists in the data (dropping union tags and validator names)."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and str(part) in node:
            node = node[str(part)]
            path.append(str(part))
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif i == len(loc) - 1 and isinstance(node, dict):
            path.append(part)  # a missing key: name it, at its parent's line
    return tuple(path)


# --- what the model expects at a location ---------------------------------------------------------


Target = tuple[Any, list[Any]]  # an annotation and the constraints that apply to it


def _resolve(model: type[BaseModel], loc: tuple[str | int, ...]) -> Target | None:
    """The annotation at `loc` in `model`, with the constraints (metadata) that apply to it."""
    current: Any = model
    metadata: list[Any] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        current, extra = _unwrap(current)
        metadata += extra
        origin = get_origin(current)
        if isclass(current) and issubclass(current, BaseModel):
            field: FieldInfo | None = current.model_fields.get(str(part))
            if field is None:
                return None
            current, metadata = field.annotation, list(field.metadata)
        elif origin in (list, tuple):
            current, metadata = get_args(current)[0], []
        elif origin is dict:
            key_type, value_type = get_args(current)
            if i + 1 < len(loc) and loc[i + 1] == "[key]":
                current, metadata = key_type, []
                i += 1
            else:
                current, metadata = value_type, []
        elif origin in (Union, types.UnionType):
            members = [m for m in get_args(current) if m is not type(None)]
            tagged = [m for m in members if _is_model(_unwrap(m)[0]) and _has_tag(_unwrap(m)[0], part)]
            if tagged:
                current, metadata = tagged[0], []
            elif len(members) == 1:
                current = members[0]
                continue  # an optional value: the same part applies to the member
            else:
                return None
        else:
            return None
        i += 1
    return current, metadata


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """`Annotated[T, x, y]` → (T, [x's constraints, y's]); anything else unchanged."""
    metadata: list[Any] = []
    while get_origin(tp) is Annotated:
        tp, *extra = get_args(tp)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
    return tp, metadata


def _is_model(tp: Any) -> bool:
    return isclass(tp) and issubclass(tp, BaseModel)


def _has_tag(model: type[BaseModel], tag: str | int) -> bool:
    return any(
        get_origin(f.annotation) is Literal and tag in get_args(f.annotation)
        for f in model.model_fields.values()
    )


def _union_tags(tp: Any) -> tuple[str, list[str]]:
    """The discriminator of a union of models and its values: `transport`, [tcp, rtu-over-tcp, rtu]."""
    tp, _ = _unwrap(tp)
    members = [_unwrap(m)[0] for m in get_args(tp)] if get_origin(tp) in (Union, types.UnionType) else []
    if not members or not all(_is_model(m) for m in members):
        return "", []
    for key, first in members[0].model_fields.items():
        fields = [m.model_fields.get(key) for m in members]
        if get_origin(first.annotation) is Literal and all(
            f is not None and get_origin(f.annotation) is Literal for f in fields
        ):
            return key, [str(a) for f in fields if f is not None for a in get_args(f.annotation)]
    return "", []


def _choices(tp: Any) -> list[str]:
    """The values an enum or Literal (possibly optional) accepts."""
    tp, _ = _unwrap(tp)
    union = get_origin(tp) in (Union, types.UnionType)
    for member in [_unwrap(m)[0] for m in get_args(tp)] if union else [tp]:
        if isclass(member) and issubclass(member, Enum):
            return [str(m.value) for m in member]
        if get_origin(member) is Literal:
            return [str(a) for a in get_args(member)]
    return []


def _expect(tp: Any, metadata: list[Any]) -> str:
    """What a value of `tp` under `metadata` looks like, in a few words."""
    tp, extra = _unwrap(tp)
    metadata = [*metadata, *extra]
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        members = [m for m in get_args(tp) if m is not type(None)]
        tag_key, tags = _union_tags(tp)
        if tags:
            return f"a mapping with {tag_key}: {', '.join(tags)}"
        if len(members) == 1:
            return _expect(members[0], metadata)
        return " or ".join(_expect(m, []) for m in members)
    choices = _choices(tp)
    if choices:
        return f"one of {', '.join(choices)}"
    if tp is bool:
        return "true or false"
    if tp in (int, float):
        if any(getattr(m, "func", None) is parse_duration for m in metadata):
            bounds = _bounds(metadata, " s")
            return f"a duration{' ' + bounds if bounds else ''}: {DURATION_HINT}"
        bounds = _bounds(metadata, "")
        what = "a whole number" if tp is int else "a number"
        return f"{what} {bounds}" if bounds else what
    if tp is str:
        if any(getattr(m, "pattern", None) == IDENTIFIER_PATTERN for m in metadata):
            return _IDENTIFIER_TEXT
        return "text"
    if isclass(tp) and issubclass(tp, PurePath):
        return "a file or folder path (relative to the site file's folder)"
    if origin in (list, tuple):
        return "a list: [a, b] or one '- item' per line"
    if origin is dict or tp is dict:
        return "a mapping: {key: value} or one 'key: value' per line"
    if _is_model(tp):
        required = [name for name, f in tp.model_fields.items() if f.is_required()]
        return f"a mapping with keys {', '.join(tp.model_fields)}" + (
            f" (required: {', '.join(required)})" if required else ""
        )
    return ""


def _bounds(metadata: list[Any], unit: str) -> str:
    parts: list[str] = []
    for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
        for m in metadata:
            value = getattr(m, attr, None)
            if value is not None and not callable(value):
                parts.append(f"{sign} {value:g}{unit}")
    return " and ".join(parts)


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> set[str]:
    target = _resolve(model, loc[:-1])
    if target is None:
        return set()
    tp, _ = _unwrap(target[0])
    return set(tp.model_fields) if _is_model(tp) else set()
