"""The pipelines ciopt's ``dagger`` executor runs, as functions you can call yourself.

    dagger call -m ./dagger test --source=.
    dagger call -m ./dagger bench --base=. --head=../candidate --rounds=10 export --path=bench

``test_container`` is the executor's test container: the image, pip's cache volume at
``/root/.cache/pip`` (``ciopt-pip-<hash>``: named by the packaging files, as ciopt names it), the
source mounted, then ``pip install`` of the project (``-e .`` when it is packaged,
``-r requirements.txt`` when it has one) with pytest and pytest-benchmark, and the cache
unmounted again.
``bench`` runs duet rounds as the executor does: both sides started together, in one container,
by ciopt's ``ciopt_together.py`` (a barrier before the benchmarks, one pinned CPU, CPU time).
No secret is passed in: the functions take directories, not the caller's environment.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

import dagger
from dagger import DefaultPath, Doc, dag, function, object_type

DEFAULT_IMAGE = "python:3.12-slim"
PIP_CACHE_PATH = "/root/.cache/pip"
PIP_CACHE_VOLUME = "ciopt-pip"  # the prefix: ciopt-pip-<the packaging files' hash>
SOURCE_PATH = "/src"  # where the test container's install sees the project
# the files that decide what pip installs (ciopt's ``executors/dagger/packaging.py``)
PACKAGING = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "*.lock",
    "requirements*.txt",
    "requirements*.in",
    "requirements/*.txt",
    "constraints*.txt",
)
DRIVER_PATH = "/ciopt"  # ciopt's inject/ folder: ciopt_together.py and the pytest probe
PYTEST_BASE = ["-m", "pytest", "-p", "no:cacheprovider", "-p", "ciopt_probe", "-q", "-rN"]
CPU_TIMER = "time.process_time"


@object_type
class CioptBench:
    """The functions ``dagger call`` sees; each builds its pipeline with the global client."""

    @function
    async def test_container(
        self,
        source: Annotated[dagger.Directory, Doc("the project: a git checkout")],
        image: Annotated[str, Doc("the image the project runs in")] = DEFAULT_IMAGE,
        path: Annotated[str, Doc("where the source is mounted")] = SOURCE_PATH,
    ) -> dagger.Container:
        """The image with the project's dependencies, pytest and pytest-benchmark installed."""
        return await build_test_container(dag, source, image, path)

    @function
    async def test(
        self,
        source: dagger.Directory,
        args: Annotated[list[str], Doc("pytest's arguments")] = [],  # noqa: B006 - read only
        image: str = DEFAULT_IMAGE,
    ) -> str:
        """Run the project's tests; their output (a failing run fails the call)."""
        return await run_tests(dag, source, args, image)

    @function
    async def bench(
        self,
        base: Annotated[dagger.Directory, Doc("the baseline checkout")],
        head: Annotated[dagger.Directory, Doc("the candidate checkout")],
        driver: Annotated[
            dagger.Directory, DefaultPath("/src/ciopt/inject"), Doc("ciopt's inject/ folder")
        ],
        selectors: Annotated[list[str], Doc("benchmarks to run")] = ["benchmarks"],  # noqa: B006
        rounds: Annotated[int, Doc("interleaved rounds")] = 5,
        image: str = DEFAULT_IMAGE,
        timeout: Annotated[int, Doc("seconds per round")] = 600,
    ) -> dagger.Directory:
        """Duet rounds of pytest-benchmark, both sides together in one container; each round's
        ``round-N-<side>.json`` in the returned directory."""
        return await bench_rounds(dag, base, head, driver, selectors, rounds, image, timeout)


async def build_test_container(
    client: dagger.Client, source: dagger.Directory, image: str, path: str
) -> dagger.Container:
    """The test container on ``client``: what ciopt's executor builds, call for call."""
    entries = set(await source.entries())
    install = ["-e", "."] if entries & {"pyproject.toml", "setup.py"} else []
    if "requirements.txt" in entries:
        install += ["-r", "requirements.txt"]
    volume = f"{PIP_CACHE_VOLUME}-{(await packaging_hash(source))[:16]}"
    return (
        client.container()
        .from_(image)
        .with_mounted_cache(PIP_CACHE_PATH, client.cache_volume(volume))
        .with_mounted_directory(path, source)
        .with_workdir(path)
        .with_exec(["python", "-m", "pip", "install", *install, "pytest", "pytest-benchmark"])
        .without_mount(PIP_CACHE_PATH)
    )


async def packaging_hash(source: dagger.Directory) -> str:
    """sha256 over the packaging files' names and contents (hex), as ciopt computes it."""
    names = sorted({name for pattern in PACKAGING for name in await source.glob(pattern)})
    digest = hashlib.sha256()
    for name in names:
        contents = await source.file(name).contents()
        digest.update(name.encode() + b"\0" + contents.encode() + b"\0")
    return digest.hexdigest()


async def run_tests(
    client: dagger.Client, source: dagger.Directory, args: list[str], image: str
) -> str:
    ctr = await build_test_container(client, source, image, SOURCE_PATH)
    return await ctr.with_exec(["python", "-m", "pytest", "-q", *args]).stdout()


async def bench_rounds(
    client: dagger.Client,
    base: dagger.Directory,
    head: dagger.Directory,
    driver: dagger.Directory,
    selectors: list[str],
    rounds: int,
    image: str,
    timeout: int,
) -> dagger.Directory:
    ctr = (
        (await build_test_container(client, base, image, "/base"))
        .with_mounted_directory("/head", head)
        .with_mounted_directory(DRIVER_PATH, driver)
        .with_exec(["mkdir", "-p", "/out"])
    )
    for number in range(rounds):
        spec = round_spec(number, selectors, timeout)
        path = f"/tmp/round-{number}.json"  # noqa: S108 - inside the container
        ctr = ctr.with_new_file(path, json.dumps(spec, sort_keys=True)).with_exec(
            ["python", f"{DRIVER_PATH}/ciopt_together.py", path]
        )
    return ctr.directory("/out")


def round_spec(number: int, selectors: list[str], timeout: int) -> dict[str, object]:
    """One round for ``ciopt_together.py``: base and head (in turn first), one hash seed."""
    sides = ["base", "head"] if number % 2 == 0 else ["head", "base"]
    jobs = []
    for side in sides:
        root = f"/{side}"
        argv = [
            "python",
            *PYTEST_BASE,
            *selectors,
            "--benchmark-only",
            f"--benchmark-json=/out/round-{number}-{side}.json",
            f"--benchmark-timer={CPU_TIMER}",
        ]
        env = {"PYTHONHASHSEED": str(number), "PYTHONPATH": f"{root}/src:{root}:{DRIVER_PATH}"}
        jobs.append({"cwd": root, "argv": argv, "env": env})
    return {"jobs": jobs, "timeout": timeout, "barrier": True, "pin_cpu": True}
