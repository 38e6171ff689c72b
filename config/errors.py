"""Config errors that name the place and the fix.

ConfigError
 └─ one or more ConfigIssue (file, line, key path, message, hint)

A bad config stops the load (never drop-and-warn): the operator sees every problem at once, each as
`file:line: key: message — hint`, Chinese first where the text is for the operator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KeyPath = tuple[str | int, ...]


def format_key(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    file: Path
    line: int | None
    key: KeyPath
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        text = f"{where}: {format_key(self.key)}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class ConfigError(Exception):
    """The configuration cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class InvalidValue(ValueError):
    """A validator's rejection that says what would be valid, and which key of the model it concerns.

    Raised inside pydantic validators; `config.validation` turns it into a ConfigIssue whose hint is
    `hint` and whose line is that of `key` (a model validator's error otherwise points at the model).
    """

    def __init__(self, message: str, hint: str = "", *, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.key = key

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message
