"""Read a YAML file keeping the line of every key, and substitute `${ENV}` references.

Secrets stay out of the YAML: a value `${WECOM_KEY}` (or `${NAME:-default}`) is taken from the
environment at load time, and a missing variable is an error naming the line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from config.errors import ConfigError, ConfigIssue, KeyPath

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(slots=True)
class Source:
    """Plain data from one YAML file, with the line where each key path starts (1-based)."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key: KeyPath) -> int | None:
        """The line of `key`, or of its closest parent that has one."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get(())

    def issue(self, key: KeyPath, message: str, hint: str = "") -> ConfigIssue:
        return ConfigIssue(self.path, self.line_of(key), key, message, hint)


def load_yaml(path: Path, env: Mapping[str, str] | None = None) -> Source:
    """Parse `path`; raise ConfigError with file:line for syntax errors and missing variables."""
    env = os.environ if env is None else env
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue(path, None, (), f"无法读取 / cannot read: {exc.strerror}")]) from exc
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        start = exc.context_mark
        if exc.context and start is not None and (mark is None or start.line != mark.line):
            problem += f" ({exc.context} started on line {start.line + 1})"  # e.g. an unclosed {
        if isinstance(exc, DuplicateKeyError):
            message = f"重复的键 / duplicate key: {problem}"
            hint = "只保留一个 / keep only one of them"
        else:
            message = f"YAML 语法错误 / YAML syntax error: {problem}"
            hint = "检查缩进和冒号 / check indentation and colons"
        raise ConfigError([ConfigIssue(path, line, (), message, hint)]) from exc
    source = Source(path, None, {(): 1})
    issues: list[ConfigIssue] = []
    source.data = _plain(tree, (), source, env, issues)
    if issues:
        raise ConfigError(issues)
    return source


def _plain(node: Any, key: KeyPath, source: Source, env: Mapping[str, str], issues: list[ConfigIssue]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for k, v in node.items():
            child = (*key, str(k))
            # a key brought in by a merge (`<<: *anchor`) has no position of its own: the mapping's line
            position = node.lc.data.get(k)
            source.lines[child] = (position[0] if position else node.lc.line) + 1
            out[str(k)] = _plain(v, child, source, env, issues)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, v in enumerate(node):
            child = (*key, i)
            source.lines[child] = node.lc.item(i)[0] + 1
            items.append(_plain(v, child, source, env, issues))
        return items
    if isinstance(node, str):
        return _substitute(node, key, source, env, issues)
    return node


def _substitute(
    text: str, key: KeyPath, source: Source, env: Mapping[str, str], issues: list[ConfigIssue]
) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = env.get(name)
        if default is not None and not value:
            return default  # as in the shell and Compose: `:-` also replaces a variable set but empty
        if value is not None:
            return value
        issues.append(
            source.issue(
                key,
                f"环境变量 {name} 未设置 / environment variable {name} is not set",
                f"export {name}=… before starting, or write ${{{name}:-default}}",
            )
        )
        return ""

    return _ENV_REF.sub(replace, str(text)) if "${" in text else str(text)
