"""The system of record: the `Store` protocol, its SQLite backend, and the stream and writer that feed it."""

from storage.base import Bucket, Store
from storage.errors import (
    StoreClosedError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreSchemaError,
    StoreUnavailableError,
)
from storage.sqlite import SqliteStore
from storage.stream import ReadingStream, StreamClosedError
from storage.writer import StoreWriter

__all__ = [
    "Bucket",
    "ReadingStream",
    "SqliteStore",
    "Store",
    "StoreClosedError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreSchemaError",
    "StoreUnavailableError",
    "StoreWriter",
    "StreamClosedError",
]
