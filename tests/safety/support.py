"""A small site with simulated safety devices and an emergency plan for it, and the API client on it.

Two stairwells on evacuation routes, each with a fire door, an exit beam, an emergency lamp and its
battery (points of one door monitor and one lighting controller); an extinguisher gauge in the
basement parking; the controller itself in the fire-control room. Everything polls every 200 ms.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from anjing.runtime import Runtime
from api.auth import Role
from config import Site, load_site
from tests.api_client import api_client
from tests.helpers import free_port, write_site

PLAN = """
name: 测试中心应急预案
sections:
  - id: fire
    name: 火灾 / Fire
    roles: [{id: lead, name: 总指挥 / Commander, who: 主任}]
    steps:
      - {id: alarm, role: lead, text: 报警 / Raise the alarm}
      - {id: evacuate, role: lead, text: 疏散 / Evacuate}
      - {id: head-count, role: lead, text: 清点人数 / Count heads}
    items:
      - id: stair-e-clear
        text: 东楼梯间畅通 / East stairs clear
        live:
          - {select: {zones: [stair-e], quantity: door_state}, expect: {states: [closed]}}
          - {select: {zones: [stair-e], quantity: exit_blocked}, expect: {states: [clear]}}
      - id: stair-w-clear
        text: 西楼梯间畅通 / West stairs clear
        live:
          - {select: {zones: [stair-w], quantity: door_state}, expect: {states: [closed]}}
          - {select: {zones: [stair-w], quantity: exit_blocked}, expect: {states: [clear]}}
      - id: lamps
        text: 疏散路线应急灯正常、电池完好 / Evacuation lamps normal, batteries ok
        live:
          - {select: {evacuation_route: true, quantity: lamp_state}, expect: {states: [normal]}}
          - {select: {evacuation_route: true, quantity: battery_state}, expect: {states: [ok]}}
      - id: extinguishers
        text: 灭火器在绿区 / Extinguishers in the green band
        live:
          - {select: {rule: gb-50444-2008/extinguisher-pressure}}
      - id: hall-doors
        text: 大厅防火门关闭 / Hall fire doors closed
        live:
          - {select: {zones: [hall], quantity: door_state}, expect: {states: [closed]}}
      - id: alarm-panel
        text: 报警控制器无故障 / Alarm panel without fault
inspections:
  - {id: patrol, name: 每日巡查 / Daily patrol, every: day, remind: 2d}  # due tomorrow: a reminder now
  - {id: extinguishers, name: 灭火器检查 / Extinguisher check, every: month, underground: half-month, zones: [hall, parking]}
  - id: em-discharge-test
    name: 年度放电测试 / Annual discharge test
    every: year
    self_test: discharge_test_age
    severity: critical
    measures:
      - {id: discharge_duration, name: 放电时间 / Discharge, rule: gb-51309-2018/discharge-too-short, quantity: discharge_duration}
"""


def safety_site(folder: Path, events: str = "[]", extra: str = "") -> Site:
    """The site in `folder` (its store and plan beside it), with simulator `events` (a YAML list) and
    `extra` YAML sections."""
    (folder / "plan.yaml").write_text(textwrap.dedent(PLAN).lstrip(), encoding="utf-8")
    path = write_site(
        folder,
        f"""
        site: {{name: 测试中心, timezone: Asia/Shanghai}}
        zones:
          - {{id: hall, name: 服务大厅, kind: service_hall}}
          - {{id: stair-e, name: 东楼梯间, kind: stairwell, evacuation_route: true}}
          - {{id: stair-w, name: 西楼梯间, kind: stairwell, evacuation_route: true}}
          - {{id: parking, name: 地下停车场, kind: parking, floor: B1}}
          - {{id: fire-control, name: 消防控制室, kind: plant_room}}
        buses:
          - {{id: gw, transport: tcp, host: 127.0.0.1, port: {free_port()}, timeout: 300ms}}
        devices:
          - id: em-1
            bus: gw
            address: 1
            profile: emergency-gateway
            zone: fire-control
            poll: 200ms
            points:
              lamp_1: {{zone: stair-e}}
              lamp_1_battery: {{zone: stair-e}}
              lamp_2: {{zone: stair-w}}
              lamp_2_battery: {{zone: stair-w}}
          - id: door-1
            bus: gw
            address: 2
            profile: door-monitor
            poll: 200ms
            points:
              door_1: {{zone: stair-e}}
              exit_1: {{zone: stair-e}}
              door_2: {{zone: stair-w}}
              exit_2: {{zone: stair-w}}
          - {{id: ext-1, bus: gw, address: 3, profile: extinguisher-gauge, zone: parking, poll: 200ms}}
        storage: {{sqlite: {{path: data/test.db}}, flush_interval: 100ms}}
        simulator: {{enabled: true, events: {events}}}
        alerting: {{tick: 100ms}}
        safety: {{plan: plan.yaml, tick: 200ms}}
        """,
        extra=extra,
    )
    return load_site(path)


@asynccontextmanager
async def client(runtime: Runtime, role: Role | None = Role.MANAGER) -> AsyncIterator[httpx.AsyncClient]:
    """The one place the tests reach the API: signed in as a user of `role` (anonymous when None)."""
    async with api_client(runtime, role) as http:
        yield http


async def until(http: httpx.AsyncClient, url: str, ready: Callable[[Any], bool], **params: Any) -> Any:
    """GET `url` until `ready(body)`; fail after 15 s."""
    async with asyncio.timeout(15):
        while True:
            answer = await http.get(url, params=params)
            assert answer.status_code == 200, answer.text
            if ready(answer.json()):
                return answer.json()
            await asyncio.sleep(0.05)


def item(checklist: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(i for i in checklist if i["id"] == ident)
