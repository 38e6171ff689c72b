"""Device profiles from YAML: Modbus register maps (`config/profiles/*.yaml`) into
`sensors.DeviceProfile`, MQTT payload maps (`config/profiles/mqtt/*.yaml`) into `config.mqtt.MqttProfile`.

A site adds its own model by dropping a file in a folder named in `profile_dirs` (an MQTT one in
that folder's `mqtt/`): no code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Generic, NamedTuple, TypeVar

from pydantic import Field, model_validator

from config.errors import ConfigError, ConfigIssue, InvalidValue
from config.models import Identifier, Strict
from config.mqtt import MqttProfile
from config.source import Source, load_yaml
from config.validation import validate
from sensors import (
    MAX_BITS_PER_REQUEST,
    MAX_REGISTERS_PER_REQUEST,
    ByteOrder,
    DataType,
    DeviceProfile,
    FieldSpec,
    FunctionCode,
    Quantity,
)
from sensors.units import convertible

SHIPPED_PROFILES = Path(__file__).parent / "profiles"
MQTT_SUBFOLDER = "mqtt"  # a profile folder's MQTT profiles; not globbed with its Modbus ones
P = TypeVar("P")
# units devices report, offered in the hint when a field's unit cannot be converted
_DEVICE_UNITS = ("ppm", "ppb", "%", "mg/m3", "ug/m3", "µg/m³", "mg/m³", "kPa", "bar", "MPa", "klx", "lx")
Register = Annotated[int, Field(ge=0, le=0xFFFF)]


class FieldModel(Strict):
    key: Identifier
    quantity: Quantity
    address: Register
    function_code: FunctionCode | None = None
    data_type: DataType | None = None
    byte_order: ByteOrder | None = None
    length: int = Field(default=1, ge=1, le=64)
    bit: int | None = Field(default=None, ge=0, le=15)
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    valid: tuple[float, float] | None = Field(default=None, description="[min, max] in the canonical unit")
    fault_codes: list[Annotated[int, Field(ge=0, le=0xFFFFFFFF)]] = Field(default_factory=list)
    states: dict[int, str] = Field(default_factory=dict)
    name: str = ""
    name_en: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> FieldModel:
        info = self.quantity.info
        if self.unit and not convertible(self.unit, self.quantity):
            units = [u for u in _DEVICE_UNITS if u != info.unit and convertible(u, self.quantity)]
            raise InvalidValue(
                f"单位无法换算 / unit {self.unit!r} cannot be converted to {info.unit!r} "
                f"for {self.quantity.value}",
                f"valid: {info.unit!r} (the canonical unit)"
                + (f" or one of {', '.join(units)}" if units else ""),
                key="unit",
            )
        if self.states and not info.is_state:
            raise InvalidValue(
                f"此量没有状态 / states given, but {self.quantity.value} is a measurement, not a state",
                "remove states:, or use a state quantity: "
                + ", ".join(q.value for q in Quantity if q.info.is_state),
                key="states",
            )
        bad = sorted(set(self.states.values()) - set(info.states))
        if bad:
            raise InvalidValue(
                f"未知状态 / unknown state(s) {', '.join(map(repr, bad))} for {self.quantity.value}",
                f"valid: {', '.join(info.states)}",
                key="states",
            )
        if self.valid is not None and self.valid[0] > self.valid[1]:
            raise InvalidValue(
                f"范围颠倒 / valid range [{self.valid[0]:g}, {self.valid[1]:g}] has min > max",
                "write valid: [min, max] with min ≤ max, in the canonical unit",
                key="valid",
            )
        return self


class Defaults(Strict):
    function_code: FunctionCode = FunctionCode.HOLDING_REGISTERS
    data_type: DataType = DataType.UINT16
    byte_order: ByteOrder = ByteOrder.ABCD


class ProfileModel(Strict):
    id: Identifier
    name: str
    name_en: str = ""
    vendor: str = ""
    description: str = ""
    source: str = ""
    simulated_map: bool = False
    defaults: Defaults = Defaults()
    max_registers_per_request: int = Field(
        default=MAX_REGISTERS_PER_REQUEST, ge=1, le=MAX_REGISTERS_PER_REQUEST
    )
    max_bits_per_request: int = Field(default=MAX_BITS_PER_REQUEST, ge=1, le=MAX_BITS_PER_REQUEST)
    max_gap: int = Field(default=10, ge=0, le=MAX_REGISTERS_PER_REQUEST)
    fields: list[FieldModel] = Field(min_length=1)

    def build(self) -> DeviceProfile:
        return DeviceProfile(
            id=self.id,
            name=self.name,
            vendor=self.vendor,
            description=self.description,
            simulated_map=self.simulated_map,
            max_registers_per_request=self.max_registers_per_request,
            max_bits_per_request=self.max_bits_per_request,
            max_gap=self.max_gap,
            fields=tuple(self._spec(f) for f in self.fields),
        )

    def _spec(self, f: FieldModel) -> FieldSpec:
        data_type = f.data_type or self.defaults.data_type
        return FieldSpec(
            key=f.key,
            quantity=f.quantity,
            address=f.address,
            function_code=f.function_code or self.defaults.function_code,
            data_type=DataType.BIT if f.bit is not None else data_type,
            byte_order=f.byte_order or self.defaults.byte_order,
            length=f.length,
            bit=f.bit,
            scale=f.scale,
            offset=f.offset,
            unit=f.unit,
            valid_min=f.valid[0] if f.valid else None,
            valid_max=f.valid[1] if f.valid else None,
            fault_codes=frozenset(f.fault_codes),
            states=dict(f.states),
            name_zh=f.name,
            name_en=f.name_en,
        )


def load_profile(path: Path) -> DeviceProfile:
    source = load_yaml(path)
    model = validate(ProfileModel, source)
    seen: set[str] = set()
    issues: list[ConfigIssue] = []
    for i, f in enumerate(model.fields):
        if f.key in seen:
            issues.append(
                source.issue(
                    ("fields", i, "key"),
                    f"字段重复 / duplicate field key {f.key!r}",
                    "each field needs its own key",
                )
            )
        seen.add(f.key)
    profile = model.build()
    for i, spec in enumerate(profile.fields):
        if spec.count > profile.max_registers_per_request:
            issues.append(
                source.issue(
                    ("fields", i),
                    f"字段超出单次读取上限 / field {spec.key!r} spans {spec.count} registers, more than "
                    f"max_registers_per_request {profile.max_registers_per_request}",
                    "shorten the field (length) or raise max_registers_per_request",
                )
            )
        if spec.end > 0x10000:
            issues.append(
                source.issue(
                    ("fields", i, "address"),
                    f"地址越界 / field {spec.key!r} at 0x{spec.address:04X} needs {spec.count} registers, "
                    "past the last address 0xFFFF",
                    "check the address (0-based protocol address, not 4xxxx notation)",
                )
            )
    issues += _named_as_file(model.id, source)
    if issues:
        raise ConfigError(issues)
    return profile


def load_mqtt_profile(path: Path) -> MqttProfile:
    source = load_yaml(path)
    profile = validate(MqttProfile, source)
    issues = _named_as_file(profile.id, source)
    if issues:
        raise ConfigError(issues)
    return profile


def _named_as_file(ident: str, source: Source) -> list[ConfigIssue]:
    if source.path.stem == ident:
        return []
    return [
        source.issue(
            ("id",),
            f"id 与文件名不符 / id {ident!r} differs from the file name {source.path.name!r}",
            f"rename the file to {ident}.yaml, or set id: {source.path.stem}",
        )
    ]


def load_profiles(folders: list[Path]) -> dict[str, DeviceProfile]:
    """Every profile in `folders`, later folders overriding earlier ones (a site's own over ours)."""
    profiles, _, issues = collect_profiles(folders)
    if issues:
        raise ConfigError(issues)
    return profiles


class Collected(NamedTuple, Generic[P]):
    """Profiles of some folders: those that load by id, the ids (file names) of those that do not,
    and every issue found."""

    profiles: dict[str, P]
    failed: set[str]
    issues: list[ConfigIssue]


def collect_profiles(folders: list[Path]) -> Collected[DeviceProfile]:
    """As `load_profiles`, without stopping at a bad file."""
    return _collect(folders, load_profile)


def collect_mqtt_profiles(folders: list[Path]) -> Collected[MqttProfile]:
    """The MQTT profiles of `folders` (each one's `mqtt/`, where it has one), later folders
    overriding earlier ones, without stopping at a bad file."""
    subfolders = [folder / MQTT_SUBFOLDER for folder in folders]
    return _collect([folder for folder in subfolders if folder.is_dir()], load_mqtt_profile)


def _collect(folders: list[Path], load: Callable[[Path], P]) -> Collected[P]:
    profiles: dict[str, P] = {}
    failed: set[str] = set()
    issues: list[ConfigIssue] = []
    for folder in folders:
        if not folder.is_dir():
            issues.append(
                ConfigIssue(
                    folder,
                    None,
                    (),
                    "配置文件夹不存在 / profile folder does not exist",
                    "valid: a folder of <profile-id>.yaml files",
                )
            )
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                profiles[path.stem] = load(path)  # its id: a profile is named as its file
            except ConfigError as exc:
                issues.extend(exc.issues)
                failed.add(path.stem)
    return Collected(profiles, failed - set(profiles), issues)
