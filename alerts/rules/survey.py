"""Lighting commissioning: one GB/T 5700 grid survey per zone, and what fixed sensors can do with it.

A few ceiling or wall sensors cannot reproduce a grid survey. Surveyed once (no daylight, lamps warmed
up), a zone gets each sensor's transfer factor k_i = Eav,grid / E_sensor,i (the sensor's reading during
the survey); at runtime Eav is estimated as the mean of k_i · E_i, and U0 is the survey's Emin/Eav until
the next survey. Every alert and API figure built on it says so (`Binding.basis`).

The CSV has the columns `point,lux`: a row whose point is one of the zone's illuminance sensors gives
that sensor's reading during the survey; every other row is a grid point (centre-point method,
Eav = ΣEi/N).
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from config.errors import ConfigError, ConfigIssue, KeyPath


@dataclass(frozen=True, slots=True)
class Survey:
    zone: str
    date: date
    points: int
    eav: float
    emin: float
    factors: dict[str, float]  # sensor id → k

    @property
    def u0(self) -> float:
        return self.emin / self.eav

    @property
    def basis(self) -> str:
        return (
            f"照度由传感器×{self.date}网格测量系数估算，U0取自该次测量 / Eav estimated from sensors × factors of the "
            f"GB/T 5700 survey of {self.date} ({self.points} points, Eav {self.eav:g} lx); U0 {self.u0:.2f} is the survey's"
        )


def load_survey(path: Path, zone: str, when: date, sensors: Collection[str], key: KeyPath) -> Survey:
    """Read one survey; ConfigError naming the file and line of what is wrong."""

    def issue(line: int | None, message: str, hint: str) -> ConfigError:
        return ConfigError([ConfigIssue(path, line, key, message, hint)])

    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise issue(
            None,
            f"无法读取测量文件 / cannot read the survey: {exc.strerror}",
            "valid: a CSV beside the site file",
        ) from exc
    grid: list[float] = []
    at_survey: dict[str, float] = {}
    with handle:
        rows = csv.DictReader(handle)
        if {"point", "lux"} - set(rows.fieldnames or ()):
            raise issue(1, "测量文件缺少列 / the survey needs columns point,lux", "valid header: point,lux")
        for row in rows:
            try:
                lux = float(row["lux"])
            except (TypeError, ValueError):
                raise issue(
                    rows.line_num, f"照度无效 / bad lux {row['lux']!r}", "valid: a number ≥ 0"
                ) from None
            if lux < 0:
                raise issue(rows.line_num, f"照度为负 / negative lux {lux:g}", "valid: a number ≥ 0")
            point = (row["point"] or "").strip()
            if point in sensors:
                at_survey[point] = lux
            else:
                grid.append(lux)
    missing = sorted(set(sensors) - set(at_survey))
    if len(grid) < 2 or not sum(grid):
        raise issue(
            None, "网格点不足 / a survey needs two or more grid points, not all 0 lx", "add the grid rows"
        )
    if missing:
        raise issue(
            None, f"缺少传感器读数 / no survey reading of {', '.join(missing)}", "add a row point=<sensor id>"
        )
    if any(v <= 0 for v in at_survey.values()):
        raise issue(
            None, "传感器读数为 0 / a sensor read 0 lx during the survey", "re-survey with the lamps on"
        )
    eav = sum(grid) / len(grid)
    return Survey(zone, when, len(grid), eav, min(grid), {s: eav / v for s, v in at_survey.items()})
