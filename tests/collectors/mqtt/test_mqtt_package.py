"""The plugin folder's contract: a sample that loads, a README that shows it."""

from __future__ import annotations

from pathlib import Path

import collectors.mqtt
from config import load_site
from tests.helpers import write_site

FOLDER = Path(collectors.mqtt.__file__).parent


def test_sample_is_a_valid_site_section(tmp_path: Path) -> None:
    zones = "".join(f"  - {{id: {z}, name: {z}, kind: office}}\n" for z in ("hall", "stair-e", "meeting"))
    sample = (FOLDER / "sample.yaml").read_text(encoding="utf-8")
    path = write_site(tmp_path, f"site: {{name: 测试}}\nzones:\n{zones}", extra=sample)
    site = load_site(path, env={"MQTT_PASSWORD": "secret"})
    assert site.config.mqtt is not None
    assert site.config.mqtt.password == "secret"
    assert [s.decoder for s in site.config.mqtt.subscriptions] == ["json", "zigbee2mqtt", "tasmota", "number"]


def test_readme_config_block_is_the_sample() -> None:
    sample = (FOLDER / "sample.yaml").read_text(encoding="utf-8")
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert f"```yaml\n{sample}```" in readme
    for section in ("## Configuration", "## Readings", "## Example output", "## Troubleshooting"):
        assert section in readme
