"""The quantities Anjing measures, each with one canonical unit.

Everything downstream (store, rules, reports) sees values in the canonical unit only; device units
are converted once, at decoding. State quantities carry a fixed vocabulary of labels, and their
value is the label's position in it, so that the same state has the same number on every device.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quantity(StrEnum):
    CO2 = "co2"
    HCHO = "hcho"
    TVOC = "tvoc"
    PM2_5 = "pm2_5"
    PM10 = "pm10"
    O3 = "o3"
    NO2 = "no2"
    SO2 = "so2"
    CO = "co"
    NH3 = "nh3"
    BENZENE = "benzene"
    TOLUENE = "toluene"
    XYLENE = "xylene"
    RADON = "radon"
    AIR_VELOCITY = "air_velocity"
    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    ILLUMINANCE = "illuminance"
    NOISE = "noise"
    LAMP_STATE = "lamp_state"
    BATTERY_STATE = "battery_state"
    MAIN_POWER = "main_power"
    BATTERY_VOLTAGE = "battery_voltage"
    DOOR_STATE = "door_state"
    EXIT_BLOCKED = "exit_blocked"
    EXTINGUISHER_PRESSURE = "extinguisher_pressure"
    FUNCTION_TEST_AGE = "function_test_age"
    DISCHARGE_TEST_AGE = "discharge_test_age"
    DISCHARGE_DURATION = "discharge_duration"

    @property
    def info(self) -> QuantityInfo:
        return QUANTITY_INFO[self]


@dataclass(frozen=True, slots=True)
class QuantityInfo:
    """How a quantity is shown and stored: canonical unit, names, and the states of a state quantity."""

    unit: str
    name_zh: str
    name_en: str
    states: tuple[str, ...] = ()
    molar_mass: float | None = None  # g/mol, for ppm ↔ mg/m³ of gases

    @property
    def is_state(self) -> bool:
        return bool(self.states)


QUANTITY_INFO: dict[Quantity, QuantityInfo] = {
    Quantity.CO2: QuantityInfo("ppm", "二氧化碳", "CO2", molar_mass=44.01),
    Quantity.HCHO: QuantityInfo("mg/m³", "甲醛", "Formaldehyde", molar_mass=30.03),
    # TVOC sensors report ppb of a calibration gas; toluene's molar mass is the usual convention.
    Quantity.TVOC: QuantityInfo("mg/m³", "总挥发性有机物", "TVOC", molar_mass=92.14),
    Quantity.PM2_5: QuantityInfo("µg/m³", "细颗粒物 PM2.5", "PM2.5"),
    Quantity.PM10: QuantityInfo("µg/m³", "可吸入颗粒物 PM10", "PM10"),
    Quantity.O3: QuantityInfo("mg/m³", "臭氧", "Ozone", molar_mass=48.00),
    Quantity.NO2: QuantityInfo("mg/m³", "二氧化氮", "Nitrogen dioxide", molar_mass=46.01),
    Quantity.SO2: QuantityInfo("mg/m³", "二氧化硫", "Sulphur dioxide", molar_mass=64.06),
    Quantity.CO: QuantityInfo("mg/m³", "一氧化碳", "Carbon monoxide", molar_mass=28.01),
    Quantity.NH3: QuantityInfo("mg/m³", "氨", "Ammonia", molar_mass=17.03),
    Quantity.BENZENE: QuantityInfo("mg/m³", "苯", "Benzene", molar_mass=78.11),
    Quantity.TOLUENE: QuantityInfo("mg/m³", "甲苯", "Toluene", molar_mass=92.14),
    Quantity.XYLENE: QuantityInfo("mg/m³", "二甲苯", "Xylene", molar_mass=106.17),
    Quantity.RADON: QuantityInfo("Bq/m³", "氡", "Radon"),
    Quantity.AIR_VELOCITY: QuantityInfo("m/s", "风速", "Air velocity"),
    Quantity.TEMPERATURE: QuantityInfo("°C", "温度", "Temperature"),
    Quantity.HUMIDITY: QuantityInfo("%RH", "相对湿度", "Relative humidity"),
    Quantity.ILLUMINANCE: QuantityInfo("lx", "照度", "Illuminance"),
    Quantity.NOISE: QuantityInfo("dB(A)", "噪声", "Noise"),
    Quantity.LAMP_STATE: QuantityInfo(
        "", "应急灯状态", "Emergency lamp state", states=("normal", "emergency", "fault")
    ),
    Quantity.BATTERY_STATE: QuantityInfo("", "蓄电池状态", "Battery state", states=("ok", "fault")),
    Quantity.MAIN_POWER: QuantityInfo("", "主电源", "Main power", states=("on", "off")),
    Quantity.BATTERY_VOLTAGE: QuantityInfo("V", "蓄电池电压", "Battery voltage"),
    Quantity.DOOR_STATE: QuantityInfo("", "门状态", "Door state", states=("closed", "open", "fault")),
    Quantity.EXIT_BLOCKED: QuantityInfo("", "通道占用", "Exit obstruction", states=("clear", "blocked")),
    Quantity.EXTINGUISHER_PRESSURE: QuantityInfo("MPa", "灭火器压力", "Extinguisher pressure"),
    # an emergency-lighting controller's self-test records (GB 51309 maintenance, GB 17945 self-test)
    Quantity.FUNCTION_TEST_AGE: QuantityInfo("d", "月度功能测试距今", "Days since function test"),
    Quantity.DISCHARGE_TEST_AGE: QuantityInfo("d", "年度放电测试距今", "Days since discharge test"),
    Quantity.DISCHARGE_DURATION: QuantityInfo("min", "年度放电持续时间", "Discharge duration"),
}
