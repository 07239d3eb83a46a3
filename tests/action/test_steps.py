"""Single steps of the action, their scripts run as the runner runs them (``bash --noprofile
--norc -eo pipefail``) against stand-ins for what they would change on a real runner: ``sudo``,
``apt-get``, ``sysctl``, ``id`` and ``bwrap`` are scripts that log their calls, on a ``PATH`` of
nothing else, so nothing here installs a package or writes a sysctl."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.action.simulate import load_yaml
from tests.helpers import ROOT

STEPS: dict[str, dict[str, Any]] = {
    s["id"]: s for s in load_yaml(ROOT / "action.yml")["runs"]["steps"] if "id" in s
}
SYSCTL = "kernel.apparmor_restrict_unprivileged_userns"
KEY = "sk-test-" + "Z9q" * 16
INSTALL = (
    "env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0 install -y "
    "--no-install-recommends bubblewrap"
)
# what the step and the stand-ins use, the real ones
TOOLS = ("bash", "env", "cat", "mktemp", "tail", "rm", "sh", "true", "chmod", "touch")


@dataclass
class Machine:
    """A runner as the isolation step sees it, from stand-ins in ``bin``."""

    root: Path
    uid: int = 1001
    sudo: bool = True
    bwrap: bool = True
    apt: str = "works"  # works, after-update (its lists are stale), fails, missing
    userns: str | None = None  # the sysctl's value; None: the kernel has no such sysctl

    def __post_init__(self) -> None:
        self.bin = self.root / "bin"
        self.bin.mkdir()
        self.log = self.root / "calls"
        self.log.touch()
        for tool in TOOLS:
            real = shutil.which(tool)
            assert real, tool
            (self.bin / tool).symlink_to(real)
        self._script("id", f'[ "$1" = -u ] && echo {self.uid}')
        if self.sudo:  # sudo -n: runs what follows as root
            self._script("sudo", 'log "sudo $*"\n[ "$1" = -n ] && shift\nexec "$@"')
        else:
            self._script("sudo", 'log "sudo $*"\necho "sudo: a password is required" >&2\nexit 1')
        if self.bwrap:
            self._bwrap()
        if self.apt != "missing":
            self._script(
                "apt-get",
                f'log "apt-get $*"\nenv > {self.root}/apt-env\n'
                f'case "$*" in\n'
                f"  *update*) touch {self.root}/updated ;;\n"
                f"  *install*)\n"
                f"    if [ {self.apt} = fails ] || {{ [ {self.apt} = after-update ] "
                f"&& [ ! -e {self.root}/updated ]; }}; then\n"
                f'      echo "E: Unable to locate package bubblewrap"; exit 100\n'
                f"    fi\n"
                f"    {self._bwrap_text()} ;;\n"
                f"esac",
            )
        state = self.root / "sysctl"
        if self.userns is not None:
            state.write_text(self.userns)
        self._script(
            "sysctl",
            f'log "sysctl $*"\n'
            f'if [ "$1" = -n ] && [ "$2" = {SYSCTL} ] && [ -e {state} ]; then\n'
            f"  cat {state}; exit 0\n"
            f"fi\n"
            f'if [ "$1" = -q ] && [ "$2" = -w ] && [ "$3" = {SYSCTL}=0 ] && [ -e {state} ]; then\n'
            f"  echo 0 > {state}; exit 0\n"
            f"fi\n"
            f'echo "sysctl: cannot stat /proc/sys/$2" >&2; exit 255',
        )

    def _script(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f'#!/bin/sh\nlog() {{ echo "$1" >> {self.log}; }}\n{body}\n')
        path.chmod(0o755)

    def _bwrap_text(self) -> str:
        return (
            f"printf '#!/bin/sh\\necho bubblewrap 0.11.0\\n' > {self.bin}/bwrap; "
            f"chmod 755 {self.bin}/bwrap"
        )

    def _bwrap(self) -> None:
        self._script("bwrap", "echo bubblewrap 0.11.0")

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def userns_now(self) -> str:
        return (self.root / "sysctl").read_text().strip()


def run_step(
    step_id: str, env: dict[str, str], path: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The step's script with the step's literal ``env:`` and ``env`` on top, as the runner
    starts it; ``HTTPS_PROXY`` and an LLM key stand for what the caller's job holds."""
    step = STEPS[step_id]
    script = cwd / f"{step_id}.sh"
    script.write_text(step["run"])
    literal = {k: str(v) for k, v in (step.get("env") or {}).items() if "${{" not in str(v)}
    caller = {"OPENAI_API_KEY": KEY, "HTTPS_PROXY": "http://proxy.example:3128", "HOME": str(cwd)}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env={**caller, **literal, **env, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def setup(machine: Machine) -> subprocess.CompletedProcess[str]:
    done = run_step("isolation", {}, str(machine.bin), machine.root)
    assert done.returncode == 0, done.stdout + done.stderr  # it never fails the job
    return done


def warnings(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("::warning::")]


def test_with_bwrap_and_no_userns_restriction_nothing_changes(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    done = setup(machine)
    assert "bubblewrap is installed: bubblewrap 0.11.0" in done.stdout
    assert machine.calls() == ["sudo -n true", f"sysctl -n {SYSCTL}"]
    assert warnings(done) == []


def test_the_apparmor_userns_restriction_is_lifted_through_sudo(tmp_path: Path) -> None:
    machine = Machine(tmp_path, userns="1")
    done = setup(machine)
    assert machine.calls() == [
        "sudo -n true",
        f"sysctl -n {SYSCTL}",
        f"sudo -n sysctl -q -w {SYSCTL}=0",
        f"sysctl -q -w {SYSCTL}=0",
    ]
    assert machine.userns_now() == "0"
    assert f"{SYSCTL}=0: unprivileged user namespaces allowed for this job" in done.stdout


def test_a_userns_sysctl_already_0_is_left_alone(tmp_path: Path) -> None:
    machine = Machine(tmp_path, userns="0")
    setup(machine)
    assert not [call for call in machine.calls() if " -w " in call]


def test_a_missing_bwrap_is_installed_with_apt_through_sudo(tmp_path: Path) -> None:
    machine = Machine(tmp_path, bwrap=False)
    done = setup(machine)
    assert machine.calls()[:3] == ["sudo -n true", f"sudo -n {INSTALL}", INSTALL.split(" ", 2)[2]]
    assert "bubblewrap installed: bubblewrap 0.11.0" in done.stdout
    assert "E: " not in done.stdout and warnings(done) == []  # quiet when it works
    apt_env = (tmp_path / "apt-env").read_text()
    assert "DEBIAN_FRONTEND=noninteractive" in apt_env
    assert "HTTPS_PROXY=http://proxy.example:3128" in apt_env  # a runner's proxy reaches apt
    assert KEY not in apt_env and "OPENAI_API_KEY" not in apt_env
    assert "CIOPT_ACTION_CLEAN=1" in apt_env  # the script ran itself again under env -i


def test_stale_package_lists_are_updated_once_and_the_install_tried_again(
    tmp_path: Path,
) -> None:
    machine = Machine(tmp_path, bwrap=False, apt="after-update")
    done = setup(machine)
    apt = [call.split(" ", 1)[1] for call in machine.calls() if call.startswith("apt-get")]
    assert apt == [
        "-qq -o=Dpkg::Use-Pty=0 install -y --no-install-recommends bubblewrap",
        "-qq -o=Dpkg::Use-Pty=0 update",
        "-qq -o=Dpkg::Use-Pty=0 install -y --no-install-recommends bubblewrap",
    ]
    assert "bubblewrap installed" in done.stdout and warnings(done) == []


def test_a_failed_install_is_a_warning_with_apts_words(tmp_path: Path) -> None:
    machine = Machine(tmp_path, bwrap=False, apt="fails")
    done = setup(machine)
    assert "E: Unable to locate package bubblewrap" in done.stdout
    assert warnings(done) == [
        "::warning::installing bubblewrap with apt-get failed (its last lines above); "
        "ciopt takes the next isolation it can (executor auto)"
    ]
    assert not (machine.bin / "bwrap").exists()


def test_without_root_or_sudo_nothing_is_tried_and_both_are_warnings(tmp_path: Path) -> None:
    machine = Machine(tmp_path, sudo=False, bwrap=False, userns="1")
    done = setup(machine)
    assert machine.calls() == ["sudo -n true", f"sysctl -n {SYSCTL}"]
    assert [w.split(";")[0] for w in warnings(done)] == [
        "::warning::bubblewrap (bwrap) is missing, and without root or sudo it cannot be installed",
        f"::warning::{SYSCTL} is 1 and could not be set to 0 (that needs root or sudo, outside "
        "a container)",
    ]
    assert machine.userns_now() == "1"


def test_without_apt_get_it_says_so(tmp_path: Path) -> None:
    machine = Machine(tmp_path, bwrap=False, apt="missing")
    done = setup(machine)
    assert warnings(done)[0].startswith(
        "::warning::bubblewrap (bwrap) is missing, and there is no apt-get here to install it"
    )


def test_as_root_no_sudo_is_used(tmp_path: Path) -> None:
    machine = Machine(tmp_path, uid=0, bwrap=False, userns="1")
    done = setup(machine)
    assert machine.calls() == [
        INSTALL.split(" ", 2)[2],
        f"sysctl -n {SYSCTL}",
        f"sysctl -q -w {SYSCTL}=0",
    ]
    assert machine.userns_now() == "0" and "bubblewrap installed" in done.stdout


def test_the_ciopt_step_replaces_its_shell_with_ciopt(tmp_path: Path) -> None:
    """The fake ciopt's parent is the process that started the step's bash: that bash, which
    held the keys, is gone (``exec``) instead of waiting beside the client's code."""
    fake = tmp_path / "ciopt"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$PPID" > {tmp_path}/parent\n'
        f'printf "%s\\n" "$@" > {tmp_path}/args\n'
        "exit 3\n"
    )
    fake.chmod(0o755)
    inputs = {name: "" for name in STEPS["run"]["env"] if name.startswith("INPUT_")}
    env = {
        **inputs,
        "INPUT_EXECUTOR": "auto",
        "CIOPT_BIN": str(fake),
        "OUT_DIR": str(tmp_path / "out"),
        "CIOPT_GITHUB_TOKEN": "ghs_" + "t" * 36,
    }
    done = run_step("run", env, os.environ["PATH"], tmp_path)
    assert done.returncode == 3  # ciopt's own exit code is the step's
    assert int((tmp_path / "parent").read_text()) == os.getpid()
    args = (tmp_path / "args").read_text().splitlines()
    assert args == ["run", "--forge", "github", "--repo", ".", "--out", str(tmp_path / "out"),
                    "--executor=auto"]  # fmt: skip


def _fake_ciopt(tmp_path: Path) -> Path:
    """A ``ciopt`` that records its arguments, its environment and the plan file it is given."""
    fake = tmp_path / "ciopt"
    fake.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {tmp_path}/args\n'
        f"env > {tmp_path}/env\n"
        "while [ $# -gt 0 ]; do\n"
        f'  if [ "$1" = --plan ]; then cp "$2" {tmp_path}/plan-seen; fi\n'
        "  shift\n"
        "done\n"
    )
    fake.chmod(0o755)
    return fake


# a plan's text as a hostile request could make it if it ever met a shell: it must reach ciopt
# as a file's content, never run
HOSTILE_PLAN = "eyJ9$(touch pwned)`touch pwned2`;touch pwned3"


@pytest.mark.parametrize(
    ("mode", "more", "expected"),
    [
        (
            "plan",
            {"INPUT_UNITS": "3", "INPUT_MAX_PARALLEL": "2", "INPUT_POLL": "4"},
            ["plan", "--forge", "github", "--repo", ".", "--out", "{out}",
             "--github-output", "{github_output}", "--executor=auto", "--poll=4",
             "--units=3", "--max-parallel=2"],
        ),
        (
            "gather",
            {"INPUT_PLAN": HOSTILE_PLAN, "INPUT_UNITS_PATH": "/units", "INPUT_POLL": "4"},
            ["gather", "--plan", "{plan}", "--units", "/units", "--forge", "github", "--repo",
             ".", "--out", "{out}", "--executor=auto"],
        ),
    ],
)  # fmt: skip
def test_the_ciopt_step_plans_and_gathers(
    tmp_path: Path, mode: str, more: dict[str, str], expected: list[str]
) -> None:
    fake = _fake_ciopt(tmp_path)
    inputs = {name: "" for name in STEPS["run"]["env"] if name.startswith("INPUT_")}
    output = tmp_path / "github-output"
    env = {
        **inputs,
        "INPUT_MODE": mode,
        "INPUT_EXECUTOR": "auto",
        **more,
        "CIOPT_BIN": str(fake),
        "OUT_DIR": str(tmp_path / "out"),
        "CIOPT_GITHUB_TOKEN": "ghs_" + "t" * 36,
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
    }
    done = run_step("run", env, os.environ["PATH"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    args = (tmp_path / "args").read_text().splitlines()
    plans = sorted(tmp_path.glob("ciopt-plan.*"))
    fill = {"out": str(tmp_path / "out"), "github_output": str(output)}
    if mode == "gather":
        (plan,) = plans
        fill["plan"] = str(plan)
        assert (tmp_path / "plan-seen").read_text() == HOSTILE_PLAN + "\n"
        assert not list(tmp_path.glob("pwned*"))
        assert "INPUT_PLAN=" not in (tmp_path / "env").read_text()  # unset before the exec
    else:
        assert plans == []
    assert args == [part.format(**fill) for part in expected]
    assert "CIOPT_GITHUB_TOKEN=ghs_" in (tmp_path / "env").read_text()


def test_the_unit_step_writes_the_plan_to_a_file_and_holds_no_token(tmp_path: Path) -> None:
    fake = _fake_ciopt(tmp_path)
    inputs = {name: "" for name in STEPS["unit"]["env"] if name.startswith("INPUT_")}
    env = {
        **inputs,
        "INPUT_UNIT": "2",
        "INPUT_PLAN": HOSTILE_PLAN,
        "INPUT_MODEL": "openai/gpt-4o-mini",
        "INPUT_MAX_LLM_CALLS": "4",
        "CIOPT_BIN": str(fake),
        "OUT_DIR": str(tmp_path / "out"),
        "RUNNER_TEMP": str(tmp_path),
    }
    done = run_step("unit", env, os.environ["PATH"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (plan,) = tmp_path.glob("ciopt-plan.*")
    assert (tmp_path / "plan-seen").read_text() == HOSTILE_PLAN + "\n"
    assert not list(tmp_path.glob("pwned*"))
    args = (tmp_path / "args").read_text().splitlines()
    assert args == ["run", "--unit", "2", "--plan", str(plan), "--repo", ".",
                    "--out", str(tmp_path / "out"), "--model=openai/gpt-4o-mini",
                    "--max-llm-calls=4"]  # fmt: skip
    seen = (tmp_path / "env").read_text()
    assert f"OPENAI_API_KEY={KEY}" in seen  # the caller's LLM key: the unit calls the model
    assert "TOKEN" not in seen and "INPUT_PLAN=" not in seen


def test_the_unit_step_needs_a_plan(tmp_path: Path) -> None:
    env = {"INPUT_UNIT": "1", "INPUT_PLAN": "", "CIOPT_BIN": "/nonexistent"}
    done = run_step("unit", {**env, "RUNNER_TEMP": str(tmp_path)}, os.environ["PATH"], tmp_path)
    assert done.returncode == 1
    assert "::error::mode unit needs the input plan" in done.stdout


@pytest.mark.parametrize(
    ("mode", "unit", "artifact"),
    [("run", "", "ciopt-7-2-units"), ("unit", "3", "ciopt-7-2-units-unit-3"),
     ("unit", "a/b", "ciopt-7-2-units-unit-a-b")],
)  # fmt: skip
def test_the_artifact_of_a_unit_is_named_by_its_unit(
    tmp_path: Path, mode: str, unit: str, artifact: str
) -> None:
    (tmp_path / "action" / "src" / "ciopt").mkdir(parents=True)
    (tmp_path / "action" / "src" / "ciopt" / "requirements.lock").write_text("")
    (tmp_path / "action" / "pyproject.toml").write_text("")
    output = tmp_path / "github-output"
    env = {
        "MODE": mode,
        "UNIT": unit,
        "OUT_INPUT": "",
        "ARTIFACT_PREFIX": "",
        "PYTHON_VERSION": "3.12.1",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ACTION_PATH": str(tmp_path / "action"),
        "GITHUB_RUN_ID": "7",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_JOB": "units",
        "RUNNER_TEMP": str(tmp_path),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
    }
    done = run_step("prep", env, os.environ["PATH"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"artifact={artifact}\n" in output.read_text()


@pytest.mark.parametrize(("mode", "unit"), [("bogus", ""), ("unit", "")])
def test_a_bad_mode_or_a_unit_without_its_id_stops_the_action(
    tmp_path: Path, mode: str, unit: str
) -> None:
    env = {"MODE": mode, "UNIT": unit, "RUNNER_TEMP": str(tmp_path),
           "GITHUB_OUTPUT": str(tmp_path / "out")}  # fmt: skip
    done = run_step("prep", env, os.environ["PATH"], tmp_path)
    assert done.returncode == 1 and "::error::" in done.stdout
