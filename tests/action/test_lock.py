"""requirements/action.lock: what the action installs with ``pip --require-hashes``."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from action.simulate import load_yaml
from conftest import ROOT

LOCK = ROOT / "requirements" / "action.lock"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def _entries() -> list[str]:
    """The lock's requirements, each with its continuation lines joined."""
    text = LOCK.read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for entry in _entries():
        match = PIN.match(entry)
        assert match, f"not an exact pin: {entry[:80]}"
        pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    return pins


def test_every_entry_is_an_exact_pin_with_sha256_hashes() -> None:
    entries = _entries()
    assert len(entries) > 20
    for entry in entries:
        assert PIN.match(entry), entry[:80]
        hashes = re.findall(r"--hash=sha256:([0-9a-f]+)", entry)
        assert hashes and all(len(h) == 64 for h in hashes), entry[:80]


def test_every_runtime_dependency_is_pinned_inside_pyprojects_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is a runtime dependency but not in the lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    tools = {"pytest", "pytest-benchmark", "responses", "ruff", "mypy", "check-jsonschema"}
    assert not tools & set(pins), "the dev extras' tools do not belong in the lock"


def test_the_build_backend_is_locked_for_a_build_without_isolation() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    pins = _pins()
    for text in build:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins and requirement.specifier.contains(pins[name]), name


def test_the_compromised_litellm_releases_are_not_the_pin() -> None:
    litellm = _pins()[canonicalize_name("litellm")]
    assert litellm not in {Version("1.82.7"), Version("1.82.8")}
    assert not (Version("1.107") <= litellm < Version("1.108")), litellm


def test_the_dagger_sdk_matches_the_dagger_cli_the_action_installs() -> None:
    action = load_yaml(ROOT / "action.yml")
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "dagger"]
    assert _pins()[canonicalize_name("dagger-io")] == Version(step["env"]["DAGGER_VERSION"])
    for arch in ("AMD64", "ARM64"):
        assert re.fullmatch(r"[0-9a-f]{64}", step["env"][f"DAGGER_SHA256_{arch}"]), arch
