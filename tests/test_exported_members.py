"""Each package's `__all__` is sorted, complete and importable (in the manner of httpx's test).

"Sorted" is ruff's RUF022 isort-style order, which the linter keeps: SCREAMING_CASE constants first,
then CamelCase classes, then everything else, each group in natural order. To cover another package,
add its name to PACKAGES.
"""

from __future__ import annotations
import __future__

import importlib
import inspect
import re
from types import ModuleType

import pytest

PACKAGES = [
    "alerts",
    "alerts.channels",
    "alerts.notify",
    "alerts.rules",
    "api",
    "api.auth",
    "collectors",
    "collectors.modbus",
    "collectors.mqtt",
    "collectors.simulator",
    "compliance",
    "config",
    "dashboard",
    "feedback",
    "safety",
    "sensors",
    "storage",
    "storage.influx",
]


def isort_key(name: str) -> tuple[int, list[int | str]]:
    if len(name) > 1 and name.isupper():
        group = 0  # CONSTANT (isupper ignores digits and underscores)
    elif name[:1].isupper():
        group = 1  # Class
    else:
        group = 2  # function or variable
    natural = [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
    return group, natural


def public_members(package: ModuleType) -> set[str]:
    """Public names bound in the package, less its submodules and `from __future__` features."""
    return {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and not isinstance(value, type(__future__.annotations))
    }


@pytest.fixture(params=PACKAGES)
def package(request: pytest.FixtureRequest) -> ModuleType:
    name: str = request.param
    return importlib.import_module(name)


def test_isort_key_orders_as_ruff_does() -> None:
    names = ["to_canonical", "Quality", "QUANTITY_INFO", "decode", "ByteOrder", "MAX_2", "MAX_10", "A"]
    assert sorted(names, key=isort_key) == [
        "MAX_2",
        "MAX_10",
        "QUANTITY_INFO",
        "A",
        "ByteOrder",
        "Quality",
        "decode",
        "to_canonical",
    ]


def test_all_is_sorted(package: ModuleType) -> None:
    exported: list[str] = list(package.__all__)
    assert exported == sorted(exported, key=isort_key)
    assert len(exported) == len(set(exported)), "a name is listed twice"


def test_every_public_member_is_listed(package: ModuleType) -> None:
    assert public_members(package) == set(package.__all__)


def test_every_listed_name_is_importable(package: ModuleType) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {package.__name__} import *", namespace)
    for name in package.__all__:
        assert namespace[name] is getattr(package, name)


def test_listed_classes_and_functions_are_defined_in_the_package(package: ModuleType) -> None:
    """Re-exports only of the package's own: no third-party name becomes part of its API by accident."""
    for name in package.__all__:
        value = getattr(package, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert f"{value.__module__}.".startswith(f"{package.__name__}."), (
                f"{name} comes from {value.__module__}"
            )
