"""Shared test helpers: free loopback ports and small site files."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_site(folder: Path, body: str, *, name: str = "site.yaml", extra: str = "") -> Path:
    """Write a site YAML; `body` and `extra` are dedented separately, so each may be indented."""
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip() + textwrap.dedent(extra), encoding="utf-8")
    return path


def small_site(folder: Path, *, tcp_port: int, rtu_port: int, poll: str = "500ms", extra: str = "") -> Path:
    """A site of five simulated devices on a TCP gateway and an RTU-over-TCP line."""
    return write_site(
        folder,
        f"""
        site: {{name: 测试中心, timezone: Asia/Shanghai}}
        zones:
          - {{id: hall, name: 服务大厅, kind: service_hall, public: true}}
          - {{id: stair-e, name: 东楼梯间, kind: stairwell, evacuation_route: true}}
        buses:
          - {{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {rtu_port}, timeout: 300ms, frame_gap: 5ms}}
          - {{id: gw, transport: tcp, host: 127.0.0.1, port: {tcp_port}, timeout: 300ms}}
        devices:
          - {{id: aq-1, bus: line, address: 1, profile: air-7in1, zone: hall, poll: {poll}}}
          - {{id: th-1, bus: line, address: 2, profile: th-rs-ws-n01, zone: hall, poll: {poll}}}
          - {{id: lux-1, bus: line, address: 3, profile: lux-nhzd210, zone: hall, poll: {poll}}}
          - {{id: em-1, bus: gw, address: 1, profile: emergency-gateway, zone: stair-e, poll: {poll}}}
          - {{id: door-1, bus: gw, address: 2, profile: door-monitor, zone: stair-e, poll: {poll}}}
        storage:
          sqlite: {{path: data/test.db}}
        """,
        extra=extra,
    )


def lamp_fault_site(folder: Path, *, poll: str = "300ms", tick: str = "200ms", extra: str = "") -> Path:
    """The small site, simulated, with emergency lamp 1 of em-1 failed from the start: a critical alert;
    `extra` YAML is appended (sections the site does not set yet)."""
    return small_site(
        folder,
        tcp_port=free_port(),
        rtu_port=free_port(),
        poll=poll,
        extra=textwrap.dedent(f"""
        simulator:
          enabled: true
          events: [{{at: 0s, device: em-1, point: lamp_1, kind: lamp_fault}}]
        alerting: {{tick: {tick}}}
        """)
        + textwrap.dedent(extra),
    )
