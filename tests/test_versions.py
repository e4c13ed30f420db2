"""The lowest tested versions (.ci/lowest-versions.txt) are the lower bounds that
requirements.txt and pyproject.toml accept, so the two cannot drift apart. Reads files only."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOWEST = ROOT / ".ci" / "lowest-versions.txt"
# package in requirements.txt / pyproject.toml -> its pin in LOWEST (Linux CI installs the CPU wheel)
CHECKED = {
    "tensorflow-cpu": "tensorflow-cpu",
    "tensorflow": "tensorflow-cpu",
    "keras": "keras",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "pandas": "pandas",
}
IN_PYPROJECT = ["keras", "numpy", "matplotlib"]


def requirement_lines(text: str) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [
        Requirement(line)
        for line in lines
        if line and not line.startswith("-")
    ]


def pins() -> dict[str, Version]:
    result = {}
    for req in requirement_lines(LOWEST.read_text()):
        (spec,) = req.specifier  # exactly one specifier, and it is ==
        assert spec.operator == "==", (
            f"{LOWEST.name}: {req} must be pinned with =="
        )
        result[canonicalize_name(req.name)] = Version(spec.version)
    return result


def lower_bounds(
    requirements: list[Requirement], where: str
) -> dict[str, Version]:
    result = {}
    for req in requirements:
        floors = [
            Version(s.version) for s in req.specifier if s.operator == ">="
        ]
        if canonicalize_name(req.name) in CHECKED:
            assert len(floors) == 1, (
                f"{where}: {req} needs exactly one lower bound (>=)"
            )
            result[canonicalize_name(req.name)] = floors[0]
    return result


def floors_from(source: str) -> dict[str, Version]:
    if source == "requirements.txt":
        return lower_bounds(
            requirement_lines((ROOT / source).read_text()), source
        )
    project = tomllib.loads((ROOT / source).read_text())["project"]
    return lower_bounds(
        [Requirement(d) for d in project["dependencies"]], source
    )


@pytest.mark.parametrize(
    "source, expected",
    [("requirements.txt", list(CHECKED)), ("pyproject.toml", IN_PYPROJECT)],
)
def test_every_lower_bound_is_the_pinned_lowest_tested_version(
    source, expected
):
    floors, pinned = floors_from(source), pins()
    assert sorted(floors) == sorted(expected), (
        f"{source} should bound {expected}, has {sorted(floors)}"
    )
    for name, floor in floors.items():
        pin = pinned.get(CHECKED[name])
        assert pin == floor, (
            f"{source} accepts {name} >= {floor}, but CI tests the lowest versions "
            f"with {CHECKED[name]}=={pin} ({LOWEST.relative_to(ROOT)}): make them equal"
        )


def test_every_pin_is_a_lower_bound_and_ci_installs_them():
    floors = floors_from("requirements.txt")
    assert sorted(pins()) == sorted(set(CHECKED.values()))
    assert all(pin in floors for pin in pins())
    assert ".ci/lowest-versions.txt" in (ROOT / ".ci" / "run").read_text()
