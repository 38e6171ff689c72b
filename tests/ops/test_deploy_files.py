"""The docker-compose stack, without Docker (no daemon here): the YAML parses, the images are pinned,
every file it mounts or builds from exists, the Dockerfile's COPY sources exist, and the sample site
passes `check_site` as the service would load it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from anjing.loading import check_site

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(
        (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return loaded


def test_images_are_pinned_to_the_tested_majors() -> None:
    images = {name: service.get("image") for name, service in compose()["services"].items()}
    assert images["mosquitto"].startswith("eclipse-mosquitto:2.")
    assert images["influxdb"] == "influxdb:2.7"  # `latest` is InfluxDB 3, whose setup and API differ
    assert images["anjing"] is None  # built from the Dockerfile


def test_every_mounted_and_built_file_exists() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which is missing"
        env_file = service.get("env_file")
        if env_file:  # the operator makes it from the example, which holds every variable the stack uses
            example = (DEPLOY / f"{env_file}.example").read_text(encoding="utf-8")
            for variable in re.findall(r"\$\{(\w+)", (DEPLOY / "docker-compose.yml").read_text()):
                assert f"{variable}=" in example
    build = services["anjing"]["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).is_file()


def test_the_dockerfile_copies_only_what_exists_and_runs_unprivileged() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    sources = [word for line in re.findall(r"^COPY (.+)$", text, re.MULTILINE) for word in line.split()[:-1]]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: missing"
    packages = re.search(r"include = \[(.+)\]", (ROOT / "pyproject.toml").read_text())
    assert packages is not None
    for package in re.findall(r'"(\w+)\*"', packages.group(1)):
        assert package in sources, f"the image lacks the package {package}"
    assert "FROM python:3.11-slim" in text
    assert "\nUSER anjing\n" in text
    assert "/healthz" in text


def test_the_sample_site_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MQTT_PASSWORD", "x")
    monkeypatch.setenv("INFLUX_TOKEN", "y")
    site = check_site(DEPLOY / "site.yaml")
    assert site.config.storage.sqlite.path == Path("/var/lib/anjing/anjing.db")
    assert str(site.config.storage.disk_guard.stop) == "2%"
