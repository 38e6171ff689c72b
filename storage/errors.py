"""What can go wrong with the system of record, as types a caller can act on.

StoreError                      any failure of the store; the batch being written was not stored
 ├─ StoreUnavailableError       cannot open or write the file now (read-only, locked, I/O error,
 │   │                          missing folder); retry once the condition is fixed
 │   └─ StoreFullError          the disk, or the store's size cap, is full; retry once space is freed
 ├─ StoreCorruptError           the file is not a readable database
 ├─ StoreSchemaError            the file was written by a newer Anjing
 └─ StoreClosedError            used after `close()`

Backend errors (sqlite3's) are translated at one boundary in each backend and never leak upward.
Messages are for the operator: Chinese first, English beside it, and they name the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class StoreError(Exception):
    """The store failed; `path` is the file at fault and `detail` the backend's own words."""

    zh: ClassVar[str] = "存储出错"
    en: ClassVar[str] = "store error"

    def __init__(self, path: Path, detail: str = "") -> None:
        self.path = path
        self.detail = detail
        suffix = f" — {detail}" if detail else ""
        super().__init__(f"{self.zh}：{path} / {self.en}: {path}{suffix}")


class StoreUnavailableError(StoreError):
    zh = "存储暂不可用"
    en = "store unavailable"


class StoreFullError(StoreUnavailableError):
    zh = "存储空间已满"
    en = "store full"


class StoreCorruptError(StoreError):
    zh = "存储文件已损坏或不是数据库"
    en = "store file is corrupt or not a database"


class StoreSchemaError(StoreError):
    zh = "存储文件来自更新版本的安境"
    en = "store file was written by a newer Anjing"


class StoreClosedError(StoreError):
    zh = "存储已关闭"
    en = "store is closed"
