"""GitLab's side of a fanned-out run: the child pipeline that runs a plan's units and gathers
them, as the YAML the component's trigger job includes (``trigger: include: - artifact:``).

``ciopt plan --gitlab-child FILE`` writes it in the component's job (``mode: fanout``), from the
plan and the job's own variables (``CIOPT_JOB_*``, set from the component's inputs):

- the unit jobs: ``parallel: matrix`` over ``CIOPT_UNIT``, in waves of at most the plan's
  ``max_parallel`` (GitLab bounds no matrix's concurrency): a wave needs the one before it, with
  ``when: always``, so a failed unit never holds the others back. Each unsets the forge tokens
  before anything else runs (GitLab hands a project's CI/CD variables to every job), installs
  ciopt as the component's job does, and runs ``ciopt run --unit``; its output folder is its
  artifact, uploaded also when it failed.
- ``gather``: needs every wave with its artifacts, runs whatever became of them, publishes
  (``ciopt gather``); its folder is its artifact.
- with the ``unit_setup`` input, the project's own YAML file is included and its hidden job
  ``.ciopt-unit`` extended by every job (its ``before_script`` installs the project, as the
  ciopt job's does).

What the YAML carries is data: the plan as base64 (its request text is a stranger's: base64 has
no ``$`` for GitLab to expand, no quote or line break for YAML), ``CIOPT_RUN_ID`` (the parent's
run, which holds the plan's claims), and the component's settings, every ``$`` doubled so GitLab
expands none. No script line holds a value: the scripts read variables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ciopt.errors import ConfigError
from ciopt.plan import Plan
from ciopt.report import render_text

__all__ = ["DIND", "SETUP_JOB", "VARIABLES", "GitLabChild", "gitlab_child", "quote"]

# the component's job variables a unit or gather reads, copied as they are in the plan's job
VARIABLES = (
    "CIOPT_JOB_PACKAGE",
    "CIOPT_JOB_DIRECTORY",
    "CIOPT_JOB_DOCKER",
    "CIOPT_JOB_MODEL",
    "CIOPT_JOB_FORGE",
    "CIOPT_LABEL",
    "CIOPT_TRIGGER_PHRASE",
    "CIOPT_EXECUTOR",
    "CIOPT_CONTENT_CAPTURE",
    "CIOPT_TRACE_RETENTION_DAYS",
)
# with the docker input: the dind service's and the Dagger CLI's (the component's hidden job)
DOCKER_VARIABLES = (
    "DOCKER_HOST",
    "DOCKER_TLS_CERTDIR",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
    "CIOPT_DAGGER_VERSION",
    "CIOPT_DAGGER_SHA256_AMD64",
    "CIOPT_DAGGER_SHA256_ARM64",
)
DEFAULTS = {"CIOPT_JOB_DIRECTORY": ".", "CIOPT_JOB_FORGE": "gitlab", "CIOPT_JOB_DOCKER": "false"}
DIND = "docker:27-dind"  # as the component's docker input
SETUP_JOB = ".ciopt-unit"  # the hidden job of the unit_setup file
# a path in the repository (GitLab expands no variable in a child's include)
SETUP = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./-]*\.ya?ml")
IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
UNIT_ID = re.compile(r"[A-Za-z0-9_.-]+")
BASE64 = re.compile(r"[A-Za-z0-9+/=]+")
NOT_PLAIN = ("\u0085", "\u2028", "\u2029", "\ufeff")  # line breaks to YAML, or invisible


@dataclass(frozen=True)
class GitLabChild:
    """What the child pipeline takes from the plan's job, checked before anything is claimed."""

    variables: dict[str, str]
    image: str | None = None  # the plan job's (CI_JOB_IMAGE); none on a shell executor
    docker: bool = False
    setup: str | None = None
    expire_in: str = "30 days"
    extends: list[str] = field(default_factory=lambda: [".ciopt-child"])

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> GitLabChild:
        if not environ.get("CIOPT_JOB_PACKAGE"):
            raise ConfigError(
                "--gitlab-child writes the child pipeline of the GitLab component's job (input "
                "mode: fanout), which installs ciopt from CIOPT_JOB_PACKAGE; it is not set here"
            )
        docker = environ.get("CIOPT_JOB_DOCKER") == "true"
        names = VARIABLES + (DOCKER_VARIABLES if docker else ())
        variables = {n: environ[n] for n in names if n in environ} | {
            n: v for n, v in DEFAULTS.items() if not environ.get(n)
        }
        image = environ.get("CI_JOB_IMAGE") or None
        if image is not None and not IMAGE.fullmatch(image):
            raise ConfigError(f"the job's image {image!r} is not an image name ciopt can repeat")
        setup = environ.get("CIOPT_JOB_UNIT_SETUP") or None
        if setup is not None and (not SETUP.fullmatch(setup) or ".." in setup.split("/")):
            raise ConfigError(
                f"the unit_setup input {setup!r} is not a YAML file of the repository "
                "(a relative path such as .gitlab/ciopt-unit.yml)"
            )
        days = environ.get("CIOPT_TRACE_RETENTION_DAYS", "")
        return cls(
            variables=variables,
            image=image,
            docker=docker,
            setup=setup,
            expire_in=f"{int(days)} days" if days.isdigit() else "30 days",
            extends=[".ciopt-child", SETUP_JOB] if setup else [".ciopt-child"],
        )

    def render(self, plan: Plan) -> str:
        """The child pipeline's YAML for ``plan`` (a no-op job when it has no unit)."""
        encoded = plan.encoded()
        if not BASE64.fullmatch(encoded):  # pragma: no cover - base64 is what encoded() gives
            raise ValueError("the plan's base64 has a character outside base64")
        for unit in plan.units:
            if not UNIT_ID.fullmatch(unit.id):
                raise ConfigError(f"the plan's unit id {unit.id!r} cannot name a CI job's folder")
        ids = [u.id for u in plan.units]
        step = plan.max_parallel
        waves = [ids[i : i + step] for i in range(0, len(ids), step)]
        values = {
            "plan": encoded,
            "run": plan.run,
            "variables": self.variables,
            "image": self.image,
            "docker": self.docker,
            "dind": DIND,
            "setup": self.setup,
            "expire_in": self.expire_in,
            "extends": self.extends,
            "max_parallel": step,
            "waves": waves,
        }
        return render_text("gitlab-child.yml.j2", plan=plan, c=values, q=quote)


def gitlab_child(plan: Plan, environ: Mapping[str, str]) -> str:
    """The child pipeline's YAML for ``plan``, with the settings of the job in ``environ``."""
    return GitLabChild.from_environ(environ).render(plan)


def quote(value: object) -> str:
    """``value`` as a YAML double-quoted scalar that GitLab expands nothing in: every ``$``
    doubled, control, line-breaking and invisible characters escaped."""
    out = []
    for ch in str(value).replace("$", "$$"):
        if ch in NOT_PLAIN or not ch.isprintable():
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(json.dumps(ch)[1:-1] if ch in '"\\' else ch)
    return '"' + "".join(out) + '"'
