"""The package as users install it: the pin on litellm, the entry point, the shipped files."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.resources import files

from packaging.requirements import Requirement
from packaging.version import Version

from tests.helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_litellm_pin_excludes_the_compromised_releases() -> None:
    (spec,) = [
        Requirement(r).specifier
        for r in PYPROJECT["project"]["dependencies"]
        if Requirement(r).name == "litellm"
    ]
    for bad in ("1.82.7", "1.82.8", "1.107.0", "1.107.3", "1.107.99"):
        assert Version(bad) not in spec, bad
    assert Version("1.106.2") in spec  # the release this suite runs against


def test_console_script_and_runtime_dependencies() -> None:
    assert PYPROJECT["project"]["scripts"] == {"ciopt": "ciopt.cli:main"}
    names = {Requirement(r).name.lower() for r in PYPROJECT["project"]["dependencies"]}
    assert names == {
        "pydantic",
        "pydantic-settings",
        "litellm",
        "jinja2",
        "pygithub",
        "python-gitlab",
        "dagger-io",
        "hypothesis",
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp-proto-http",
        "boto3",
        "jira",
        "rich",
    }


def test_templates_and_injected_helpers_ship_with_the_package() -> None:
    root = files("ciopt")
    for rel in (
        "agent/templates/messages.j2",
        "agent/templates/blocks.j2",
        "agent/templates/propose_optimization.system.j2",
        "agent/templates/repair_reply.j2",
        "trace/templates/summary.txt.j2",
        "trace/templates/trace.html.j2",
        "report/templates/replay.txt.j2",
        "report/templates/report.md.j2",
        "report/templates/correctness.md.j2",
        "inject/ciopt_probe.py",
        "inject/ciopt_profile.py",
        "inject/ciopt_record.py",
        "inject/ciopt_replay.py",
        "inject/ciopt_values.py",
        "py.typed",
    ):
        assert root.joinpath(rel).is_file(), rel


def test_injected_helpers_use_only_the_standard_library() -> None:
    helpers = [p for p in files("ciopt").joinpath("inject").iterdir() if p.name.endswith(".py")]
    siblings = {p.name.removesuffix(".py") for p in helpers}
    assert {"ciopt_probe", "ciopt_record", "ciopt_replay", "ciopt_values"} <= siblings
    for helper in helpers:
        tree = ast.parse(helper.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                for mod in mods:
                    top = (mod or "").split(".")[0]
                    allowed = ("__future__", "pytest", *siblings)
                    assert top in sys.stdlib_module_names or top in allowed, (helper.name, mod)
