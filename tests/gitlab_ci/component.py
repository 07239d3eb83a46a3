"""The GitLab CI/CD component as the tests read it: its two documents, its inputs, and their
interpolation, done the way GitLab does it (``$[[ inputs.name ]]`` replaced in the jobs
document by the input's value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.helpers import ROOT

__all__ = ["COMPONENT", "EXAMPLE", "Component", "Include", "load", "read_include"]

COMPONENT = ROOT / "templates" / "gitlab-ci.yml"
EXAMPLE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
INTERPOLATION = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")
# <fqdn>/<project path>/<component name>@<version>, as GitLab reads `include: component:`
REFERENCE = re.compile(r"^(?P<fqdn>[^/]+)/(?P<project>.+)/(?P<name>[^/@]+)@(?P<version>.+)$")


def load(text: str) -> Any:
    """One YAML document, as plain dicts and lists."""
    return YAML(typ="safe", pure=True).load(text)


@dataclass(frozen=True)
class Component:
    header: str  # the `spec:` document
    jobs: str  # the document after `---`

    @classmethod
    def read(cls, path: Path = COMPONENT) -> Component:
        header, separator, jobs = path.read_text(encoding="utf-8").partition("\n---\n")
        assert separator, f"{path} has no `---` line between its spec and its jobs"
        return cls(header=header + "\n", jobs=jobs)

    @property
    def inputs(self) -> dict[str, dict[str, Any]]:
        spec: dict[str, Any] = load(self.header)["spec"]
        inputs: dict[str, dict[str, Any]] = spec["inputs"]
        return inputs

    def defaults(self) -> dict[str, Any]:
        return {name: spec.get("default") for name, spec in self.inputs.items()}

    def used(self) -> set[str]:
        """The inputs the jobs document interpolates."""
        return set(INTERPOLATION.findall(self.jobs))

    def interpolated(self, **values: Any) -> str:
        """The jobs document with every input replaced: ``values`` over the defaults."""
        chosen = self.defaults() | values

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in chosen:
                raise KeyError(f"the jobs use input {name!r}, which the spec does not declare")
            given = chosen[name]
            return ("true" if given else "false") if isinstance(given, bool) else str(given)

        return INTERPOLATION.sub(value, self.jobs)


@dataclass(frozen=True)
class Include:
    """One `include: component:` entry of a pipeline."""

    fqdn: str
    project: str  # the path of the project holding templates/
    name: str  # templates/<name>.yml
    version: str
    inputs: dict[str, Any]


def read_include(path: Path = EXAMPLE) -> Include:
    config: dict[str, Any] = load(path.read_text(encoding="utf-8"))
    (entry,) = [item for item in config["include"] if "component" in item]
    matched = REFERENCE.match(entry["component"])
    assert matched, f"not a component reference: {entry['component']}"
    return Include(**matched.groupdict(), inputs=entry.get("inputs") or {})
