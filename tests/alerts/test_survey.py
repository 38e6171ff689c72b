"""Lighting commissioning: a GB/T 5700 grid survey gives sensors transfer factors and the zone its U0."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import ConfigError
from sensors import Quantity
from tests.alerts.support import engine_for, probe_site, run, series

MORNING = datetime(2026, 4, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GRID = [350, 380, 400, 390, 360, 170, 380, 400, 410, 370, 390, 400]  # Eav 366.7, Emin 170: U0 0.46
SURVEY = "surveys: {z: {file: survey.csv, date: 2026-03-02}}"


def _write(folder: Path, rows: list[str]) -> None:
    (folder / "survey.csv").write_text("point,lux\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_sensors_estimate_eav_with_their_factors_and_u0_comes_from_the_survey(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [f"r{i // 4}c{i % 4},{lux}" for i, lux in enumerate(GRID)]
        + ["probe.illuminance,550", "probe.illuminance_2,400"],
    )
    engine = engine_for(probe_site(tmp_path, standards=["gb-50034-2013"], alerting=SURVEY))
    eav = sum(GRID) / len(GRID)
    # both sensors read 60 % of what they read at the survey: the estimate is 60 % of the grid's Eav
    lux = series({"probe.illuminance": Quantity.ILLUMINANCE}, [330.0] * 300, MORNING, 10)
    lux += series({"probe.illuminance_2": Quantity.ILLUMINANCE}, [240.0] * 300, MORNING, 10)
    lux.sort(key=lambda r: r.ts)
    firing = {t.rule: t for t in run(engine, lux, tick=10) if t.state.value == "firing"}
    em = firing["gb-50034-2013/illuminance-office"]
    assert em.value == pytest.approx(0.6 * eav)
    assert "2026-03-02" in em.basis
    assert "Eav" in em.basis
    u0 = firing["gb-50034-2013/uniformity-office"]
    assert u0.value == pytest.approx(170 / eav)
    assert "U0" in u0.basis


def test_a_survey_without_a_sensors_reading_names_it(tmp_path: Path) -> None:
    _write(tmp_path, ["a,300", "b,320", "probe.illuminance,500"])
    site = probe_site(tmp_path, standards=["gb-50034-2013"], alerting=SURVEY)
    with pytest.raises(ConfigError, match=r"probe\.illuminance_2"):
        engine_for(site)


def test_a_bad_survey_row_names_its_line(tmp_path: Path) -> None:
    _write(tmp_path, ["a,300", "b,bright"])
    site = probe_site(tmp_path, standards=["gb-50034-2013"], alerting=SURVEY)
    with pytest.raises(ConfigError) as caught:
        engine_for(site)
    assert str(caught.value.issues[0]).startswith(
        f"{tmp_path / 'survey.csv'}:3: alerting.surveys.z: 照度无效 / bad lux 'bright'"
    )
