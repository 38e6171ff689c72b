"""The plugin folder's contract: a sample that loads, a README that shows it, a listed public API."""

from __future__ import annotations

import inspect
from pathlib import Path

import collectors.modbus
from config.source import load_yaml
from tests.collectors.modbus.harness import make_site

FOLDER = Path(collectors.modbus.__file__).parent


def test_sample_is_a_valid_site_section(tmp_path: Path) -> None:
    data = load_yaml(FOLDER / "sample.yaml").data
    site = make_site(tmp_path, data["buses"], data["devices"])
    assert [b.transport for b in site.config.buses] == ["rtu", "rtu-over-tcp", "tcp"]
    assert site.config.devices[1].points["lamp_8"].enabled is False


def test_readme_config_block_is_the_sample() -> None:
    sample = (FOLDER / "sample.yaml").read_text(encoding="utf-8")
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert f"```yaml\n{sample}```" in readme
    for section in ("## Configuration", "## Readings", "## Example output", "## Troubleshooting"):
        assert section in readme


def test_public_api_is_listed_and_sorted() -> None:
    public = {
        name
        for name, value in vars(collectors.modbus).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert collectors.modbus.__all__ == sorted(public)
