from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML

import alerts.channels
from alerts.channels import REGISTRY, ChannelConfig, build_channel
from tests.test_exported_members import isort_key, public_members

CHANNELS = TypeAdapter(list[ChannelConfig])
FOLDER = Path(alerts.channels.__file__).parent


def test_all_is_sorted_and_complete() -> None:
    exported = alerts.channels.__all__
    assert exported == sorted(exported, key=isort_key)
    assert set(exported) == public_members(alerts.channels)


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_each_channel_folder_has_its_files(kind: str) -> None:
    folder = FOLDER / kind
    assert {"config.py", "channel.py", "README.md", "sample.yaml"} <= {path.name for path in folder.iterdir()}
    readme = (folder / "README.md").read_text()
    for section in ("## Configuration", "## Message format", "## Limits", "## Troubleshooting"):
        assert section in readme


@pytest.mark.parametrize("kind", sorted(REGISTRY))
async def test_sample_builds(kind: str) -> None:
    """Each sample.yaml validates (secrets filled in as the loader would) and builds its channel."""
    sample = YAML(typ="safe").load((FOLDER / kind / "sample.yaml").read_text())
    entries = sample["notify"]["channels"]
    for entry in entries:
        for name, value in entry.items():
            if isinstance(value, str) and value.startswith("${"):
                entry[name] = f"value-of-{name}"
    for config in CHANNELS.validate_python(entries):
        assert config.type == kind
        channel = build_channel(config)
        assert channel.id == config.id
        await channel.aclose()


def test_discriminated_union_names_the_wrong_key() -> None:
    with pytest.raises(ValidationError) as caught:
        CHANNELS.validate_python([{"id": "duty-wecom", "type": "wecom", "key": "k", "mentions": ["@all"]}])
    [error] = caught.value.errors()
    assert error["loc"] == (0, "wecom", "mentions")
    assert error["type"] == "extra_forbidden"


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="union_tag_invalid"):
        CHANNELS.validate_python([{"id": "x", "type": "dingtalk"}])


@pytest.mark.parametrize("secret", ["", "   ", "${WECOM_KEY}"])
def test_empty_or_unresolved_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="secret"):
        CHANNELS.validate_python([{"id": "duty-wecom", "type": "wecom", "key": secret}])


def test_email_login_needs_both_parts() -> None:
    with pytest.raises(ValidationError, match="username"):
        CHANNELS.validate_python(
            [
                {
                    "id": "mail",
                    "type": "email",
                    "host": "smtp.example.com",
                    "sender": "a@example.com",
                    "username": "a",
                }
            ]
        )
