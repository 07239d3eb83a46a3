"""A fake Dagger engine session: dagger-io talks to it over HTTP as to ``dagger session``.

It serves the Dagger schema (``dagger_schema``), answers every query with graphql-core, and
records the pipelines asked for: each object is the chain of calls that built it (``Call``s),
and an object passed as an argument (a cache volume, a host directory) shows as the chain that
built it. Values are only made up where a real engine would run something:

- ``exitCode``/``stdout``/``stderr`` of a container run its execs, in order, through ``runner``
  (default ``HostRunner``: the install step succeeds without running; the others run as
  subprocesses on this machine, in an environment holding only what the pipeline set, with
  ``python`` being the interpreter given). Results are kept per pipeline, as the engine caches.
- ``export`` of a directory is recorded (host folders are mounted at their own paths, so what a
  job wrote is already there).
- a failed exec without ``expect: ANY`` is an ``EXEC_ERROR``, as the engine reports it.
- a host directory's ``entries`` and ``glob``, and a file's ``contents`` in it, are read here.

Every exec run is logged (``exec_log``). With ``layer_cache=True`` the fake also models the
engine's layer cache: an exec is keyed by the canonical query of everything before it (a host
directory by its files' names and contents, as the engine keys an upload, not by its path), and
an exec whose key ran before, in any session or pipeline, is served from the cache, logged as
``cached``, not run again.

Connect with ``engine.environ()`` (``DAGGER_SESSION_PORT`` and ``DAGGER_SESSION_TOKEN``).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import graphql

from tests.helpers.dagger_schema import dagger_schema

__all__ = ["Call", "Exec", "ExecResult", "FakeEngine", "HostRunner", "LoggedExec", "State"]


@dataclass(frozen=True)
class Call:
    field: str
    args: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.args)


Pipeline = tuple[Call, ...]


@dataclass(frozen=True)
class Exec:
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    workdir: str
    expect: str
    mounts: tuple[tuple[str, tuple[str, str]], ...] = ()  # as they were when it ran


@dataclass(frozen=True)
class LoggedExec:
    """An exec a container's result needed: run, or (``layer_cache``) served from the cache."""

    exec: Exec
    key: str | None  # the canonical key of its inputs (``layer_cache`` only)
    cached: bool


@dataclass
class State:
    """A container as its pipeline left it."""

    image: str | None = None
    mounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # path: (kind, source)
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # written with withNewFile
    execs: list[Exec] = field(default_factory=list)


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    stdout: str = ""
    stderr: str = ""


class _Node:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline


class HostRunner:
    """Runs a pipeline's execs on this machine, as far as that is faithful.

    ``pip install`` succeeds without running (the interpreter given has the tools already).
    Host folders must be mounted at their own paths (the Dagger executor's rule), but for those
    at ``elsewhere`` (the install's source, which commands do not use); files written by the
    pipeline are put in a scratch folder and their paths in the arguments rewritten.
    """

    def __init__(self, python: str, elsewhere: tuple[str, ...] = ("/src",)) -> None:
        self.python = python
        self.elsewhere = elsewhere
        self.ran: list[Exec] = []

    def __call__(self, state: State, step: Exec) -> ExecResult:
        if list(step.args[1:4]) == ["-m", "pip", "install"]:
            return ExecResult(0, "Successfully installed (fake engine: not run)\n")
        for path, (kind, source) in state.mounts.items():
            assert kind == "cache" or source == path or path in self.elsewhere, (
                f"{source} mounted at {path}"
            )
        self.ran.append(step)
        with tempfile.TemporaryDirectory(prefix="fake-ctr-") as scratch:
            moved = {}
            for number, (path, contents) in enumerate(state.files.items()):
                moved[path] = os.path.join(scratch, f"file-{number}")
                Path(moved[path]).write_text(contents)
            bin_dir = Path(scratch, "bin")
            bin_dir.mkdir()
            python = bin_dir / "python"  # a script, not a link: a venv's python finds its venv
            python.write_text(f'#!/bin/sh\nexec "{self.python}" "$@"\n')
            python.chmod(0o755)
            env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": scratch, **dict(step.env)}
            done = subprocess.run(
                [moved.get(a, a) for a in step.args],
                cwd=step.workdir,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        return ExecResult(done.returncode, done.stdout, done.stderr)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up on an answer (a timeout under test) is not an error here."""


class FakeEngine:
    def __init__(
        self,
        runner: Callable[[State, Exec], ExecResult] | None = None,
        *,
        layer_cache: bool = False,
    ) -> None:
        self.schema = dagger_schema()
        self.runner = runner or (lambda state, step: ExecResult(0))
        self.layer_cache = layer_cache
        self.exec_log: list[LoggedExec] = []
        self._layers: dict[str, ExecResult] = {}
        self.token = secrets.token_hex(8)
        self.queries: list[str] = []
        self.asked: list[tuple[Pipeline, str]] = []  # (the object's pipeline, the leaf asked)
        self.exported: list[tuple[Pipeline, str]] = []
        self._ids: dict[str, Pipeline] = {}
        self._results: dict[Pipeline, list[ExecResult]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- session ---------------------------------------------------------------------------

    def __enter__(self) -> FakeEngine:
        engine = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                expected = base64.b64encode(f"{engine.token}:".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self.send_error(401)
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = json.dumps(engine.answer(body["query"], body.get("variables"))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return None

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def environ(self) -> dict[str, str]:
        assert self._server is not None
        port = self._server.server_address[1]
        return {"DAGGER_SESSION_PORT": str(port), "DAGGER_SESSION_TOKEN": self.token}

    # -- queries ---------------------------------------------------------------------------

    def answer(self, query: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        if "__schema" not in query:
            self.queries.append(query)
        result = graphql.graphql_sync(
            self.schema,
            query,
            root_value=_Node(()),
            variable_values=dict(variables or {}),
            field_resolver=self._resolve,
        )
        return dict(result.formatted)

    def _resolve(self, parent: _Node, info: graphql.GraphQLResolveInfo[Any], **args: Any) -> Any:
        call = Call(info.field_name, tuple(sorted((k, self._ref(v)) for k, v in args.items())))
        named = graphql.get_named_type(info.return_type)
        if isinstance(named, graphql.GraphQLObjectType):
            return _Node((*parent.pipeline, call))
        with self._lock:
            self.asked.append((parent.pipeline, info.field_name))
        return self._leaf(parent.pipeline, info.parent_type.name, call)

    def _ref(self, value: Any) -> Any:
        """An ID we handed out stands for the pipeline it names."""
        if isinstance(value, list):
            return tuple(self._ref(v) for v in value)
        if isinstance(value, str) and value in self._ids:
            return self._ids[value]
        return value

    def _leaf(self, pipeline: Pipeline, type_name: str, call: Call) -> Any:
        if call.field in ("id", "sync"):
            with self._lock:
                ident = f"fake-{type_name}-{len(self._ids)}"
                self._ids[ident] = pipeline
            return ident
        if call.field == "version":
            return "v0.19.0-fake"
        if type_name == "Container" and call.field in ("exitCode", "stdout", "stderr"):
            last = self.run(pipeline)[-1]
            return {"exitCode": last.exit_code, "stdout": last.stdout, "stderr": last.stderr}[
                call.field
            ]
        if type_name == "Directory" and call.field in ("export", "entries", "glob"):
            return self._directory(pipeline, call)
        if type_name == "File" and call.field == "contents" and pipeline[0].field == "host":
            folder, name = pipeline[-2].kwargs["path"], pipeline[-1].kwargs["path"]
            return Path(folder, name).read_text()
        raise graphql.GraphQLError(f"fake engine: {type_name}.{call.field} is not served")

    def _directory(self, pipeline: Pipeline, call: Call) -> Any:
        """A host folder's entries, or a container's folder: its container is run first."""
        if pipeline[0].field == "host":
            if call.field == "entries":
                return sorted(os.listdir(pipeline[-1].kwargs["path"]))
            if call.field == "glob":
                root = Path(pipeline[-1].kwargs["path"])
                found = root.glob(call.kwargs["pattern"])
                return sorted(p.relative_to(root).as_posix() for p in found)
        elif pipeline[0].field == "container":
            self.run(pipeline[:-1])
            with self._lock:
                self.asked.append((pipeline[:-1], "exitCode"))
        if call.field == "export":
            with self._lock:
                self.exported.append((pipeline, call.kwargs["path"]))
            return call.kwargs["path"]
        raise graphql.GraphQLError(f"fake engine: entries of {pipeline[0].field} not served")

    def run(self, pipeline: Pipeline) -> list[ExecResult]:
        """The pipeline's execs' results, run once per pipeline (the engine caches them)."""
        with self._lock:
            if pipeline in self._results:
                return self._results[pipeline]
        state = self.state(pipeline)
        if not state.execs:
            raise graphql.GraphQLError("fake engine: no command has been executed")
        results = []
        ends = [n for n, call in enumerate(pipeline) if call.field == "withExec"]
        for step, end in zip(state.execs, ends, strict=True):
            key = self.layer_key(pipeline[: end + 1]) if self.layer_cache else None
            with self._lock:
                cached = key is not None and key in self._layers
                self.exec_log.append(LoggedExec(step, key, cached))
            if cached:
                assert key is not None
                results.append(self._layers[key])
                continue
            result = self.runner(state, step)
            results.append(result)
            if key is not None and (result.exit_code == 0 or step.expect == "ANY"):
                with self._lock:
                    self._layers[key] = result
            if result.exit_code != 0 and step.expect != "ANY":
                raise graphql.GraphQLError(
                    f"process {json.dumps(list(step.args))} did not complete successfully: "
                    f"exit code: {result.exit_code}",
                    extensions={
                        "_type": "EXEC_ERROR",
                        "cmd": list(step.args),
                        "exitCode": result.exit_code,
                        "stdout": result.stdout,
                        "stderr": result.stderr,
                    },
                )
        with self._lock:
            self._results[pipeline] = results
        return results

    @staticmethod
    def state(pipeline: Pipeline) -> State:
        """What a container's pipeline sets up (only the calls the executor may use)."""
        state = State()
        for call in pipeline:
            a = call.kwargs
            match call.field:
                case "container":
                    pass
                case "from":
                    state.image = a["address"]
                case "withMountedCache":
                    state.mounts[a["path"]] = ("cache", dict(a["cache"][-1].args)["key"])
                case "withMountedDirectory":
                    state.mounts[a["path"]] = ("host", dict(a["source"][-1].args)["path"])
                case "withoutMount":
                    state.mounts.pop(a["path"], None)
                case "withWorkdir":
                    state.workdir = a["path"]
                case "withEnvVariable":
                    state.env[a["name"]] = a["value"]
                case "withNewFile":
                    state.files[a["path"]] = a["contents"]
                case "withExec":
                    state.execs.append(
                        Exec(
                            tuple(a["args"]),
                            tuple(sorted(state.env.items())),
                            state.workdir,
                            a.get("expect", "SUCCESS"),
                            tuple(sorted(state.mounts.items())),
                        )
                    )
                case _:
                    raise graphql.GraphQLError(f"fake engine: {call.field} is not modelled")
        return state

    # -- the layer cache ----------------------------------------------------------------------

    def layer_key(self, pipeline: Pipeline) -> str:
        """What the engine's cache keys the result of ``pipeline`` by: its canonical query."""
        return hashlib.sha256(repr(self._canonical(pipeline)).encode()).hexdigest()

    def _canonical(self, value: Any) -> Any:
        """``value`` with each pipeline it names spelled out, a host directory as its content."""
        if isinstance(value, tuple) and value and all(isinstance(v, Call) for v in value):
            if [call.field for call in value] == ["host", "directory"]:
                return ("host directory", _content(value[1].kwargs))
            return tuple((c.field, self._canonical(c.args)) for c in value)
        if isinstance(value, tuple):
            return tuple(self._canonical(v) for v in value)
        return value

    def executed(self, prefix: tuple[str, ...] = ()) -> list[Exec]:
        """The execs that ran (not served from the cache) whose arguments start with ``prefix``."""
        return [
            e.exec for e in self.exec_log if not e.cached and e.exec.args[: len(prefix)] == prefix
        ]

    def containers(self) -> Iterator[tuple[Pipeline, State]]:
        """Each container whose result was asked for, once, in order."""
        seen = set()
        for pipeline, leaf in self.asked:
            if leaf in ("exitCode", "stdout", "stderr") and pipeline not in seen:
                seen.add(pipeline)
                yield pipeline, self.state(pipeline)


def _content(directory: Mapping[str, Any]) -> str:
    """A host folder as the engine keys its upload: the names and contents of its files, after
    ``exclude`` and ``include`` (``**/`` patterns match at the top too) and, with ``gitignore``,
    without what git ignores there; not its path or times."""
    root = Path(directory["path"])
    exclude, include = directory.get("exclude") or (), directory.get("include") or ()
    kept = _not_ignored(root) if directory.get("gitignore") else None

    def matches(rel: str, patterns: tuple[str, ...]) -> bool:
        parts = rel.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        return any(
            fnmatch.fnmatchcase(p, g) or fnmatch.fnmatchcase(p, g.removeprefix("**/"))
            for p in prefixes
            for g in patterns
        )

    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if matches(rel, exclude) or (include and not matches(rel, include)):
            continue
        if kept is not None and rel not in kept:
            continue
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _not_ignored(root: Path) -> set[str] | None:
    """The files under ``root`` that its ``.gitignore`` files do not ignore: git's answer, in a
    work tree (a worktree of ciopt's); elsewhere ``None`` (the fake filters nothing there)."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=False,
    )
    return set(filter(None, listed.stdout.split("\0"))) if listed.returncode == 0 else None
