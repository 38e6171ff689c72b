"""What a visitor can report, in the kiosk's plain words, and which measured quantities bear on each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sensors import Quantity


class Kind(StrEnum):
    HOT = "hot"
    COLD = "cold"
    AIR = "air"
    DARK = "dark"
    RESTROOM = "restroom"
    BLOCKED = "blocked"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class KindInfo:
    zh: str  # the button's words
    en: str
    quantities: tuple[Quantity, ...]  # the sensors that can confirm it
    direction: str  # "high", "low" or "any": which breach confirms it


KINDS: dict[Kind, KindInfo] = {
    Kind.HOT: KindInfo("太热", "Too hot", (Quantity.TEMPERATURE,), "high"),
    Kind.COLD: KindInfo("太冷", "Too cold", (Quantity.TEMPERATURE,), "low"),
    Kind.AIR: KindInfo(
        "空气不好",
        "Stuffy or smelly air",
        (Quantity.CO2, Quantity.PM2_5, Quantity.HCHO, Quantity.TVOC, Quantity.NH3, Quantity.CO),
        "any",
    ),
    Kind.DARK: KindInfo("太暗", "Too dark", (Quantity.ILLUMINANCE,), "low"),
    Kind.RESTROOM: KindInfo("卫生间需要清洁", "Restroom needs cleaning", (Quantity.NH3,), "any"),
    Kind.BLOCKED: KindInfo("通道堵塞", "Passage blocked", (), "any"),
    Kind.OTHER: KindInfo("其他", "Other", (), "any"),
}


def label(kind: Kind) -> str:
    info = KINDS[kind]
    return f"{info.zh} / {info.en}"
