"""A started Runtime over a small site whose devices never answer: the stored data is what a test seeds.

Imported by the lab and raw-export tests (`from tests.compliance.runtime_support import runtime`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from anjing.runtime import Runtime
from config import load_site
from tests.helpers import free_port, small_site


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    async with Runtime(load_site(config)) as started:
        yield started
