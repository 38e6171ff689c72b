"""`anjing install-service`: the files that make Anjing a systemd service on a Debian/Ubuntu box.

Written under a target root (default `/`), so the same code fills a temp folder in the tests:

- `etc/systemd/system/anjing.service`: `Type=notify` with a watchdog (anjing/sdnotify.py), restart
  on failure, the fixed system user `anjing`, data in `/var/lib/anjing` (`StateDirectory=`), logs
  to journald as JSON lines, a read-only system around it;
- `etc/anjing/anjing.env` (mode 0600): the secrets (first admin password, tokens), never in the YAML;
- `etc/udev/rules.d/99-anjing-rs485.rules`: stable names `/dev/rs485-N` for USB RS-485 adapters,
  group `dialout`;
- `anjing-backup.service` + `.timer`: a daily `anjing backup` as the service's user with its
  environment file (the site's `${…}` need it), keeping 14.

A fixed user (`useradd --system`) rather than `DynamicUser=`: with a dynamic user the files belong to
a uid that exists only while the service runs and live under /var/lib/private, which confuses
`ls -l`, backups and a county IT person restoring a file by hand. Existing files are left alone
(the env file holds secrets someone typed) unless `--force`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

USER = "anjing"
UNIT = "etc/systemd/system/anjing.service"
ENV_FILE = "etc/anjing/anjing.env"
SITE_FILE = "/etc/anjing/site.yaml"
UDEV_RULES = "etc/udev/rules.d/99-anjing-rs485.rules"
BACKUP_UNIT = "etc/systemd/system/anjing-backup.service"
BACKUP_TIMER = "etc/systemd/system/anjing-backup.timer"
BACKUPS = "/var/lib/anjing/backups"
KEEP = 14
DATA_DIR = "/var/lib/anjing"
WATCHDOG_SECONDS = 60

# the commands that need root on the real machine; printed, and listed in docs/DEPLOY.md
SETUP_COMMANDS = (
    f"useradd --system --user-group --home-dir {DATA_DIR} --shell /usr/sbin/nologin {USER}",
    f"usermod --append --groups dialout {USER}",
    "udevadm control --reload-rules && udevadm trigger",
    "systemctl daemon-reload",
    "systemctl enable --now anjing anjing-backup.timer",
)


@dataclass(frozen=True)
class Written:
    path: Path
    mode: int
    kept: bool  # it existed and was left as it was


def unit_text(executable: Path, site: str = SITE_FILE) -> str:
    """The systemd unit; `executable` is the `anjing` script of the installed venv."""
    return f"""\
# 安境 Anjing — 由 `anjing install-service` 生成 / written by `anjing install-service`
# 日志 / logs: journalctl -u anjing    状态 / status: systemctl status anjing    docs/DEPLOY.md
[Unit]
Description=安境 Anjing building monitoring
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
NotifyAccess=main
User={USER}
Group={USER}
SupplementaryGroups=dialout
EnvironmentFile=/etc/anjing/anjing.env
WorkingDirectory={DATA_DIR}
StateDirectory=anjing
StateDirectoryMode=0750
ExecStartPre={executable} check-config {site}
ExecStart={executable} run --config {site} --log-json
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
WatchdogSec={WATCHDOG_SECONDS}s
TimeoutStartSec=120s
TimeoutStopSec=60s
StandardOutput=journal
StandardError=journal
SyslogIdentifier=anjing
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
ReadWritePaths={DATA_DIR}

[Install]
WantedBy=multi-user.target
"""


def backup_unit_text(executable: Path, site: str = SITE_FILE) -> str:
    """A one-shot `anjing backup` as the service's user, with its environment (the site's ${…})."""
    return f"""\
# 安境 Anjing 备份 / backup — 每日由 anjing-backup.timer 启动 / started daily by anjing-backup.timer;
# 立即备份 / back up now: systemctl start anjing-backup
[Unit]
Description=安境 Anjing backup

[Service]
Type=oneshot
User={USER}
Group={USER}
EnvironmentFile=/etc/anjing/anjing.env
ExecStart={executable} backup --config {site} --to {BACKUPS} --keep {KEEP}
Nice=10
IOSchedulingClass=idle
"""


BACKUP_TIMER_TEXT = """\
[Unit]
Description=安境 Anjing daily backup

[Timer]
OnCalendar=*-*-* 02:30:00
RandomizedDelaySec=15min
Persistent=true

[Install]
WantedBy=timers.target
"""

ENV_TEXT = """\
# 安境 Anjing 的密钥 / secrets — 权限 0600，仅 root 可读 / mode 0600, readable by root only
# 首次启动创建管理员 / the first admin, created on the first start (docs/security.md):
ANJING_ADMIN_USER=admin
ANJING_ADMIN_PASSWORD=
# InfluxDB、企业微信等，站点文件用 ${NAME} 引用 / referenced from the site file as ${NAME}:
# INFLUX_TOKEN=
# WECOM_WEBHOOK=
"""

UDEV_TEXT = """\
# 安境 Anjing: RS-485 USB 适配器的固定名称 / stable names for USB RS-485 adapters.
# 查序列号 / find the serial number: udevadm info --query=property --name=/dev/ttyUSB0 | grep SERIAL_SHORT
# 每个适配器复制一行，改 SERIAL 与名称 / one line per adapter; then use port: /dev/rs485-1 in the site file.
# SUBSYSTEM=="tty", ENV{ID_SERIAL_SHORT}=="A10K1234", SYMLINK+="rs485-1", GROUP="dialout", MODE="0660"
# SUBSYSTEM=="tty", ENV{ID_SERIAL_SHORT}=="A10K5678", SYMLINK+="rs485-2", GROUP="dialout", MODE="0660"
# 所有 USB 串口归 dialout 组 / every USB serial port belongs to group dialout:
SUBSYSTEM=="tty", KERNEL=="ttyUSB[0-9]*", GROUP="dialout", MODE="0660"
"""


def default_executable() -> Path:
    """The `anjing` script next to the running Python, i.e. in the venv it was installed into."""
    return Path(sys.executable).parent / "anjing"


def install(root: Path, executable: Path, *, force: bool = False) -> list[Written]:
    """Write the units, the env file and the udev rule under `root`; return what was written or kept."""
    files = (
        (UNIT, unit_text(executable), 0o644),
        (ENV_FILE, ENV_TEXT, 0o600),
        (UDEV_RULES, UDEV_TEXT, 0o644),
        (BACKUP_UNIT, backup_unit_text(executable), 0o644),
        (BACKUP_TIMER, BACKUP_TIMER_TEXT, 0o644),
    )
    written = []
    for relative, text, mode in files:
        path = root / relative
        if path.exists() and not force:
            written.append(Written(path, path.stat().st_mode & 0o777, kept=True))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # created with its final mode: the secrets file is never readable by others, not even briefly
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        path.chmod(mode)  # O_CREAT's mode is masked by the umask, and an existing file keeps its own
        written.append(Written(path, mode, kept=False))
    return written
