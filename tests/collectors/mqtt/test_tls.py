"""TLS with a self-signed CA, and username/password from the environment, against a real Mosquitto."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import aiomqtt

from anjing.runtime import Runtime
from config import load_site
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import mqtt_site, stored, telemetry, until


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def make_certs(folder: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl, valid one day)."""
    folder.mkdir(parents=True, exist_ok=True)
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "1", "-subj", "/CN=Anjing Test CA", cwd=folder)  # fmt: skip
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
         "-subj", "/CN=localhost", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    _run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "server.pem", "-days", "1", "-extfile", "san.ext", cwd=folder)  # fmt: skip


async def test_tls_with_self_signed_ca_and_password(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    make_certs(certs)
    passwords = tmp_path / "passwords"
    mosquitto_passwd = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    _run(mosquitto_passwd, "-c", "-b", str(passwords), "anjing", "s3cret-中文", cwd=tmp_path)
    broker = Mosquitto(
        tmp_path / "broker",
        listener=(
            f"allow_anonymous false\npassword_file {passwords}\n"
            f"cafile {certs / 'ca.pem'}\ncertfile {certs / 'server.pem'}\nkeyfile {certs / 'server.key'}\n"
        ),
    )
    broker.start()
    try:
        extra = "  ca_file: certs/ca.pem\n  username: anjing\n  password: ${MQTT_PASSWORD}\n"
        url = f"mqtts://127.0.0.1:{broker.port}"
        site = load_site(
            mqtt_site(tmp_path, broker.port, url=url, mqtt=extra), env={"MQTT_PASSWORD": "s3cret-中文"}
        )
        assert "s3cret" not in (tmp_path / "anjing-test.yaml").read_text(encoding="utf-8")
        async with Runtime(site) as runtime:
            await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
            context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
            async with aiomqtt.Client(
                "127.0.0.1", broker.port, username="anjing", password="s3cret-中文", tls_context=context
            ) as client:
                await client.publish("anjing/hall/gw-1/telemetry", telemetry(7), qos=1)

            async def arrived() -> bool:
                return await stored(runtime, "aq-gw-1.co2") == [407.0]

            await until(arrived)

        wrong = load_site(
            mqtt_site(tmp_path, broker.port, url=url, mqtt=extra), env={"MQTT_PASSWORD": "wrong"}
        )
        async with Runtime(wrong) as runtime:
            link = runtime.board.get("mqtt:anjing-test")
            assert link is not None
            await until(lambda: link.consecutive_failures >= 2)  # refused, retried, never crashed
            assert link.online is False
            assert link.last_error is not None
            assert "authori" in link.last_error.lower()
    finally:
        broker.stop()
