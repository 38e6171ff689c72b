"""Pydantic validation whose errors name the file, the line, the key and what would be valid."""

from __future__ import annotations

import difflib
import types
from inspect import isclass
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from config.errors import ConfigError, ConfigIssue, KeyPath
from config.source import Source

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], source: Source) -> M:
    """`model` from the data of `source`, or ConfigError listing every problem with its line."""
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise ConfigError([_issue(model, source, err) for err in exc.errors()]) from None


def _issue(model: type[BaseModel], source: Source, err: Any) -> ConfigIssue:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    path = _data_path(source.data, loc)
    message = str(err["msg"]).removeprefix("Value error, ")
    hint = ""
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        if allowed:
            close = difflib.get_close_matches(str(loc[-1]), sorted(allowed), n=1)
            message = f"未知配置项 / unknown key {loc[-1]!r}"
            hint = (f"did you mean {close[0]!r}? " if close else "") + f"valid keys: {', '.join(sorted(allowed))}"
    elif err["type"] == "missing":
        message = "缺少必填项 / required key is missing"
    return ConfigIssue(source.path, source.line_of(path), path, message, hint)


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


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> set[str]:
    current: Any = model
    for part in loc[:-1]:
        current = _step(current, part)
        if current is None:
            return set()
    current = _unwrap(current)
    if isclass(current) and issubclass(current, BaseModel):
        return set(current.model_fields)
    return set()


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if isclass(tp) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return field.annotation if field else None
    if origin in (list, tuple):
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    if origin in (Union, types.UnionType):
        for member in map(_unwrap, get_args(tp)):
            if isclass(member) and issubclass(member, BaseModel) and _has_tag(member, part):
                return member
    return None


def _has_tag(model: type[BaseModel], tag: str | int) -> bool:
    return any(
        get_origin(f.annotation) is Literal and tag in get_args(f.annotation) for f in model.model_fields.values()
    )
