"""The package root is the storage API: everything public is listed in `__all__`, sorted, and nothing else."""

from __future__ import annotations

import inspect

import storage


def test_all_lists_every_public_name_sorted() -> None:
    public = [
        name
        for name, value in vars(storage).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    ]

    assert storage.__all__ == sorted(public)
