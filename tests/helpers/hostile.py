"""Hostile code for isolation tests: what code under test can read, dumped where a test finds it.

``DUMP`` is the source of a stdlib-only function, ``ciopt_hostile_dump(paths, pids)``, that
collects every channel a secret could leak through: its own environment, every visible
process's ``/proc/<pid>/environ`` and ``cmdline`` (``pids`` adds ones it guesses, such as
ciopt's), every file under ``HOME``, the main repository's ``.git/config`` (found from the
worktree's ``.git`` file and ``commondir``), and the ``paths`` an attacker knows (an event file,
``~/.git-credentials`` of the runner's home). It returns the dump XOR-ed and hex-encoded, so no
redactor recognises a secret in it on its way out: the test decodes it (``decode``) and looks
for every planted value in every form (``leaks``).

``run_hostile`` runs the dump the way ciopt runs a client's command, from a process that holds
the secrets as ciopt does (in its ``/proc/<pid>/environ``, which unsetting a variable does not
clear): it opens an executor by name and runs the dump in a worktree with the scrubbed
environment; the dump guesses that process's pid and its parent's.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers.repo import EXAMPLES, git, make_repo

__all__ = [
    "DUMP",
    "Runner",
    "alive",
    "arm",
    "decode",
    "dumps_in",
    "escaping_script",
    "forms",
    "leaks",
    "plant_runner",
    "run_hostile",
]

KEY = 0x5A

DUMP = """
def ciopt_hostile_dump(paths=(), pids=()):
    import json, os
    found = {"environ": [repr(dict(os.environ))], "proc": [], "files": [], "denied": []}

    def read(path, limit=200000):
        try:
            with open(path, "rb") as f:
                return f.read(limit).decode("latin-1")
        except OSError as exc:
            found["denied"].append(f"{path}: {type(exc).__name__}")
            return None

    visible = [p for p in os.listdir("/proc") if p.isdigit()]
    for pid in dict.fromkeys([*visible, *map(str, pids)]):
        for name in ("environ", "cmdline"):
            text = read(f"/proc/{pid}/{name}")
            if text is not None:
                found["proc"].append(f"{pid}/{name}: {text}")
    home = os.environ.get("HOME", "/")
    for folder, _dirs, names in os.walk(home):
        for name in names[:200]:
            text = read(os.path.join(folder, name))
            if text is not None:
                found["files"].append(f"{folder}/{name}: {text}")
    gitfile = read(".git")
    if gitfile and gitfile.startswith("gitdir:"):
        gitdir = gitfile.split(":", 1)[1].strip()
        common = read(os.path.join(gitdir, "commondir")) or ".."
        main = os.path.join(gitdir, common.strip(), "config")
        for config in (main, os.path.join(gitdir, "config")):
            text = read(config)
            if text is not None:
                found["files"].append(f"{config}: {text}")
    for path in paths:
        text = read(path)
        if text is not None:
            found["files"].append(f"{path}: {text}")
    found["counts"] = {k: len(v) for k, v in found.items() if isinstance(v, list)}
    data = json.dumps(found).encode()
    return bytes(b ^ 0x5A for b in data).hex()
"""


@dataclass(frozen=True)
class Runner:
    """A runner's secrets where a careless CI job leaves them: ``held`` in the environment of
    the process that runs ciopt, a token in the repository's ``.git/config``, credentials in the
    home folder, the event file; and a worktree of the repository to run hostile code in."""

    values: dict[str, str]  # every planted value, by name
    repo: Path
    worktree: Path
    home: Path
    event: Path

    @property
    def held(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if k not in ("HEADER", "CREDENTIAL", "EVENT")}

    @property
    def known(self) -> list[str]:
        """The files an attacker who knows the runner would try."""
        return [str(self.event), str(self.home / ".git-credentials"), str(self.home / ".gitconfig")]

    def dump(
        self, executor: str, python: str, *, hide: Sequence[Path] = ()
    ) -> tuple[dict[str, Any], str]:
        return run_hostile(
            executor,
            cwd=self.worktree,
            python=python,
            secrets=self.held,
            home=self.home,
            paths=self.known,
            hide=hide,
        )


def plant_runner(place: Path) -> Runner:
    """A ``Runner`` under ``place``, with random secrets."""
    values = {
        "OPENAI_API_KEY": "sk-" + secrets.token_hex(20),
        "GITHUB_TOKEN": "ghs_" + secrets.token_hex(18),
        "DATABASE_URL": f"postgres://app:{secrets.token_hex(12)}@db/prod",
        "HEADER": secrets.token_hex(16),
        "CREDENTIAL": secrets.token_hex(16),
        "EVENT": secrets.token_hex(16),
    }
    repo = place / "repo"
    make_repo(repo)
    git(repo, "config", "http.extraheader", f"AUTHORIZATION: bearer {values['HEADER']}")
    worktree = place / "wt" / "base"
    git(repo, "worktree", "add", "--detach", str(worktree), "HEAD")
    home = place / "home"
    home.mkdir(mode=0o700)
    (home / ".git-credentials").write_text(f"https://x:{values['CREDENTIAL']}@github.com\n")
    (home / ".git-credentials").chmod(0o600)
    event = place / "event.json"
    event.write_text(f'{{"token": "{values["EVENT"]}"}}')
    event.chmod(0o600)
    return Runner(values, repo, worktree, home, event)


def alive(mark: str) -> list[str]:
    """The command lines of live processes (on this machine) that hold ``mark``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if mark in cmdline and "State:\tZ" not in status:
            found.append(cmdline)
    return found


def decode(dump: str) -> dict[str, Any]:
    """The dump's channels (lists of what was read) and its ``counts``."""
    data = bytes(b ^ KEY for b in bytes.fromhex(dump))
    decoded: dict[str, Any] = json.loads(data)
    return decoded


def forms(secret: str) -> dict[str, str]:
    """``secret`` as it could appear: plain, reversed, hex, and base64 (alone, or inside a
    longer encoded string at any of the three alignments, e.g. an HTTP Basic credential)."""
    raw = secret.encode()
    found = {
        "plain": secret,
        "reversed": secret[::-1],
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    for shift in (1, 2):
        encoded = base64.b64encode(b"\0" * shift + raw).decode().rstrip("=")
        found[f"base64+{shift}"] = encoded[4:-4]
    return found


def leaks(dump: Mapping[str, Any], planted: Mapping[str, str]) -> list[str]:
    """Each planted value found in the dump: ``"<channel>: <name> (<form>)"``."""
    found = []
    for channel, texts in dump.items():
        if channel == "counts":
            continue
        blob = "\n".join(texts)
        for name, value in planted.items():
            for form, text in forms(value).items():
                if text and text in blob:
                    found.append(f"{channel}: {name} ({form})")
    return found


DRIVER = """
import json, os, sys
from pathlib import Path
from ciopt.executors import ExecutorOptions, open_executor, scrubbed_env

spec = json.loads(Path(sys.argv[1]).read_text())
pids = [os.getpid(), os.getppid()]
code = spec["dump"] + f"\\nprint(ciopt_hostile_dump({spec['paths']!r}, {pids!r}))"
options = ExecutorOptions(environ=dict(os.environ), hide=tuple(map(Path, spec["hide"])))
with open_executor(spec["executor"], options) as executor:
    env = scrubbed_env(os.environ)
    done = executor.run(Path(spec["cwd"]), [spec["python"], "-c", code], env=env, timeout=60)
print(json.dumps({"stdout": done.stdout, "stderr": done.stderr, "code": done.returncode,
                  "isolation": executor.isolation}))
"""


def run_hostile(
    executor: str,
    *,
    cwd: Path,
    python: str,
    secrets: Mapping[str, str],
    home: Path,
    paths: Sequence[str] = (),
    hide: Sequence[Path] = (),
) -> tuple[dict[str, Any], str]:
    """The hostile code's dump, decoded, and the executor's isolation, in words."""
    spec = cwd.parent / f"spec-{executor}.json"
    spec.write_text(
        json.dumps(
            {
                "executor": executor,
                "cwd": str(cwd),
                "python": python,
                "dump": DUMP,
                "paths": list(paths),
                "hide": [str(p) for p in hide],
            }
        )
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(home), **secrets}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(spec)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["code"] == 0, result["stderr"]
    return decode(result["stdout"].strip()), result["isolation"]


def arm(repo: Path, *, paths: Sequence[str], pids: Sequence[int], message: str) -> str:
    """Commit, in ``repo``, a benchmark that dumps what it can read into pytest-benchmark's
    JSON (``extra_info["dump"]``, encoded); the commit's sha. ``paths``: files an attacker
    knows of; ``pids``: processes it guesses (ciopt's)."""
    bench = repo / "benchmarks" / "test_bench_tokens.py"
    code = bench.read_text()
    call = "    result = benchmark(dedupe, TOKENS)\n"
    assert call in code
    dump = (
        f"    benchmark.extra_info['dump'] = ciopt_hostile_dump({list(paths)!r}, {list(pids)!r})\n"
    )
    bench.write_text(code.replace(call, dump + call) + "\n" + DUMP)
    subprocess.run(
        ["git", "-c", "user.name=m", "-c", "user.email=m@example.com", "commit", "-qam", message],
        cwd=repo,
        check=True,
    )
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def dumps_in(out: Path) -> list[dict[str, Any]]:
    """Every dump the hostile benchmark left in the run's ``bench/`` JSON."""
    found = []
    for path in sorted((out / "bench").rglob("*.json")):
        data = json.loads(path.read_text())
        for bench in data.get("benchmarks", []) if isinstance(data, dict) else []:
            dump = (bench.get("extra_info") or {}).get("dump")
            if dump:
                found.append(decode(dump))
    return found


ESCAPE = """    if not getattr(dedupe, "_escaped", False):
        dedupe._escaped = True  # type: ignore[attr-defined]
        import os, pathlib, subprocess, sys
        stolen = []
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    stolen.append(f.read().decode("latin-1"))
            except OSError:
                pass
        for name in ("CIOPT_PROBE_OUT", "CIOPT_RECORD_OUT"):
            if os.environ.get(name):
                try:
                    folder = pathlib.Path(os.environ[name]).parent
                    (folder / "stolen-MARK.txt").write_text("\\n".join(stolen))
                except OSError:
                    pass
        subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(3600)", "MARK"],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
"""


def escaping_script(where: Path, mark: str) -> Path:
    """Scripted replies: first a candidate as fast as the demo's winner that, on its first call
    in each process, reads every environment it can see, writes it beside the probe's report
    and leaves a process running (``mark`` in its command line); then the demo's winner, and
    the winner's explanation."""
    lines = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
    winner = json.loads(lines[3])
    marker = "=======\n"
    assert marker in winner["content"]
    escaping = winner["content"].replace(marker, marker + ESCAPE.replace("MARK", mark), 1)
    path = where / "escaping.jsonl"
    replies = [{"content": escaping}, winner, json.loads(lines[4])]
    path.write_text("".join(json.dumps(r) + "\n" for r in replies))
    return path
