"""`anjing install-service` into a temp root: the files, their modes, and a unit systemd accepts."""

from __future__ import annotations

import configparser
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from anjing.cli import app
from anjing.service_install import BACKUP_TIMER, BACKUP_UNIT, ENV_FILE, UDEV_RULES, UNIT, install

ANJING = Path(sys.executable).parent / "anjing"


def run_install(root: Path, *extra: str) -> Result:
    """The command in-process (typer's runner): the same code as `anjing install-service`."""
    args = ["install-service", "--root", str(root), "--executable", str(ANJING), *extra]
    return CliRunner().invoke(app, args)


def unit(root: Path, name: str = UNIT) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(root / name, encoding="utf-8")
    return parser


def test_writes_unit_env_and_udev_rule_with_their_modes(tmp_path: Path) -> None:
    result = run_install(tmp_path)
    assert result.exit_code == 0, result.output
    assert "useradd --system" in result.output
    assert stat.S_IMODE((tmp_path / ENV_FILE).stat().st_mode) == 0o600  # secrets: root only
    assert stat.S_IMODE((tmp_path / UNIT).stat().st_mode) == 0o644
    assert 'SYMLINK+="rs485-1"' in (tmp_path / UDEV_RULES).read_text()
    assert "ANJING_ADMIN_PASSWORD=" in (tmp_path / ENV_FILE).read_text()
    service = unit(tmp_path)["Service"]
    assert service["Type"] == "notify"
    assert service["WatchdogSec"] == "60s"
    assert service["Restart"] == "on-failure"
    assert service["User"] == "anjing"
    assert service["StateDirectory"] == "anjing"
    assert service["EnvironmentFile"] == "/etc/anjing/anjing.env"
    assert service["ExecStart"] == f"{ANJING} run --config /etc/anjing/site.yaml --log-json"
    assert unit(tmp_path)["Install"]["WantedBy"] == "multi-user.target"
    backup = unit(tmp_path, BACKUP_UNIT)["Service"]
    assert backup["ExecStart"] == (
        f"{ANJING} backup --config /etc/anjing/site.yaml --to /var/lib/anjing/backups --keep 14"
    )
    assert (backup["User"], backup["EnvironmentFile"]) == ("anjing", "/etc/anjing/anjing.env")
    assert unit(tmp_path, BACKUP_TIMER)["Timer"]["Persistent"] == "true"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit_without_a_warning(tmp_path: Path) -> None:
    install(tmp_path, ANJING)
    units = [str(tmp_path / name) for name in (UNIT, BACKUP_UNIT, BACKUP_TIMER)]
    result = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False
    )
    # a bad value is only a warning on stderr (exit 0): any output is a failure here
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_existing_files_are_kept_unless_forced(tmp_path: Path) -> None:
    install(tmp_path, ANJING)
    secrets = tmp_path / ENV_FILE
    secrets.write_text("ANJING_ADMIN_PASSWORD=typed-by-someone\n")
    again = install(tmp_path, ANJING)
    assert all(written.kept for written in again)
    assert "typed-by-someone" in secrets.read_text()
    forced = run_install(tmp_path, "--force")
    assert forced.exit_code == 0, forced.output
    assert "typed-by-someone" not in secrets.read_text()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
