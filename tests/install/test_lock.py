"""src/ciopt/requirements.lock: every package ciopt needs, each at one version with its hashes.

The action and the GitLab component install it with ``--no-deps``, so it must hold the whole
dependency tree on its own, extras' targets included (litellm asks for ``httpx[http2]``, hence
h2, hpack and hyperframe). The installs themselves are proven in tests/action/test_action.py and
tests/gitlab_ci/test_component_run.py, from an index that also offers newer releases.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.action.simulate import load_yaml
from tests.helpers import ROOT
from tests.helpers.lock_index import LOCK, future_index, read_lock, wheel_metadata

PINS = {pin.name: pin for pin in read_lock()}


def test_every_entry_is_an_exact_pin_with_sha256_hashes() -> None:
    assert len(PINS) > 20
    for pin in PINS.values():
        assert pin.hashes, f"{pin.name} has no hash"


def test_every_runtime_dependency_is_pinned_inside_pyprojects_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in PINS, f"{name} is a runtime dependency but not in the lock"
        assert requirement.specifier.contains(PINS[name].version, prereleases=True), name
    tools = {"pytest", "pytest-benchmark", "responses", "ruff", "mypy", "check-jsonschema"}
    assert not tools & set(PINS), "the dev extras' tools do not belong in the lock"


def test_the_build_backend_is_locked_for_a_build_without_isolation() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for text in build:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in PINS and requirement.specifier.contains(PINS[name].version), name


def test_the_compromised_litellm_releases_are_not_the_pin() -> None:
    litellm = PINS["litellm"].version
    assert litellm not in {Version("1.82.7"), Version("1.82.8")}
    assert not (Version("1.107") <= litellm < Version("1.108")), litellm


def test_the_dagger_sdk_matches_the_dagger_cli_the_action_installs() -> None:
    action = load_yaml(ROOT / "action.yml")
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "dagger"]
    assert PINS["dagger-io"].version == Version(step["env"]["DAGGER_VERSION"])


def test_the_lock_ships_inside_the_package() -> None:
    """The GitLab component reads it from ciopt's wheel before it installs anything else."""
    assert (files("ciopt") / "requirements.lock").read_bytes() == LOCK.read_bytes()


def test_the_lock_holds_every_dependency_and_every_extras_target_at_a_fitting_version() -> None:
    """What ``pip check`` cannot see: a requirement with extras (``httpx[http2]``) needs the
    extra's own requirements (``h2``) in the lock too. Walked from the locked wheels' metadata,
    for this interpreter."""
    environment = {key: str(value) for key, value in default_environment().items()}
    here = {pin.name: pin for pin in PINS.values() if pin.applies(environment)}
    index = future_index()
    assert set(index.locked) == set(here)
    todo = [(name, "") for name in here]
    seen: set[tuple[str, str]] = set()
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        headers = wheel_metadata(index.locked[name])
        for text in headers.get_all("Requires-Dist") or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not marker.evaluate(environment | {"extra": extra}):
                continue
            needed = canonicalize_name(requirement.name)
            assert needed in here, f"{name}[{extra}] needs {requirement}; the lock lacks it"
            assert requirement.specifier.contains(here[needed].version, prereleases=True), (
                f"{name}[{extra}] needs {requirement}; the lock has {here[needed].version}"
            )
            todo += [(needed, "")] + [(needed, e) for e in requirement.extras]
    assert ("httpx", "http2") in seen and "h2" in {name for name, _ in seen}


@pytest.mark.parametrize(
    "path", ["requirements/dev.lock", "requirements/client.lock", "dagger/requirements.lock"]
)
def test_every_other_lock_follows_ciopts_pins(path: str) -> None:
    """make's virtualenvs and the Dagger module run the versions the Action installs."""
    other = {pin.name: pin for pin in read_lock(ROOT / path)}
    assert other and all(pin.hashes for pin in other.values())
    for name in set(other) & set(PINS):
        assert (other[name].version, other[name].hashes) == (PINS[name].version, PINS[name].hashes)
    if path == "requirements/dev.lock":  # the tests run on every package users get
        assert set(PINS) <= set(other)
    if path == "requirements/client.lock":  # and the example's pytest is the suite's
        dev = {pin.name: pin.version for pin in read_lock(ROOT / "requirements/dev.lock")}
        assert {"pytest", "pytest-benchmark"} <= set(other)
        assert all(dev[name] == pin.version for name, pin in other.items())
