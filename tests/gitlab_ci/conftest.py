"""What the tests of the component share: gitlab-ci-local, the wheels a job installs, the
textkit project with the example pipeline, gitlab-ci-local's environment (the publishing project
of ``include: component:`` served from a local repository), and the GitLab fake over HTTP."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from tests.gitlab_ci.component import EXAMPLE, Include, read_include
from tests.gitlab_ci.tools import GitLabCiLocal, find_gitlab_ci_local
from tests.gitlab_ci.wheelhouse import Wheelhouse, build_wheelhouse
from tests.helpers import ROOT, git
from tests.helpers.fake_gitlab import FakeGitLab
from tests.helpers.serve import free_address, serve

ORIGIN = "https://gitlab.example.com/group/textkit.git"  # the project, as gitlab-ci-local sees it
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TMPDIR")  # and PIP_*, *_PROXY: pip as configured here


@pytest.fixture
def gitlab_ci_local() -> GitLabCiLocal:
    return find_gitlab_ci_local()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    return build_wheelhouse(tmp_path_factory.mktemp("wheels"))


@pytest.fixture
def project(example_repo: Path, remote: Path) -> Path:
    """The textkit project with the example pipeline committed, pushed to ``remote``, and an
    ``origin`` on a GitLab host (gitlab-ci-local derives the project's path from it)."""
    shutil.copy(EXAMPLE, example_repo / ".gitlab-ci.yml")
    git(example_repo, "add", ".gitlab-ci.yml")
    git(example_repo, "commit", "-qm", "Run ciopt in CI")
    git(example_repo, "push", "-q", str(remote), "main")
    git(example_repo, "remote", "add", "origin", ORIGIN)
    git(example_repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(example_repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    return example_repo


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """gitlab-ci-local's environment, which its shell jobs inherit: a home of its own, and the
    publishing project of the example's ``include: component:`` served from a local repository
    (git's url.<base>.insteadOf, for the ``git ls-remote --tags`` that resolves ``@1`` and the
    clone that fetches the template)."""
    include = read_include(EXAMPLE)
    publisher = _publisher(tmp_path / "publisher", include)
    host = ORIGIN.split("/")[2]  # $CI_SERVER_FQDN: gitlab-ci-local takes it from origin
    urls = [f"https://{host}:443/{include.project}.git", f"https://{host}/{include.project}.git"]
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k in PASSED_THROUGH}
    env |= {k: v for k, v in os.environ.items() if k.startswith("PIP_") or k.endswith("_PROXY")}
    env |= {"HOME": str(home), "GIT_CONFIG_COUNT": str(len(urls))}
    for index, url in enumerate(urls):
        env[f"GIT_CONFIG_KEY_{index}"] = f"url.{publisher}.insteadOf"
        env[f"GIT_CONFIG_VALUE_{index}"] = url
    return env


def _publisher(path: Path, include: Include) -> Path:
    """The project that publishes the component: this checkout's templates/, released 1.0.0."""
    shutil.copytree(ROOT / "templates", path / "templates")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", ".")
    git(path, "commit", "-qm", "ciopt component")
    git(path, "tag", f"{include.version}.0.0")
    return path


@pytest.fixture
def fake(remote: Path) -> Iterator[FakeGitLab]:
    """The GitLab fake, listening on a local port."""
    address = free_address()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitLab(rsps, url=address, clone_url=str(remote))
        with serve(rsps, address):
            yield fake
