"""The ``jira`` library's client as ciopt's forges use it: retries, a timeout, credentials from
the environment, and what the library raises turned into ciopt's errors."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from jira import JIRA, JIRAError
from jira.resources import Comment as JiraComment
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ciopt import __version__
from ciopt.config import JiraSettings, Settings
from ciopt.errors import CioptError, ConfigError
from ciopt.trace import SECRET_NAME

__all__ = ["JiraClient", "auth", "calling", "retry"]

PAGE = 100  # comments a page
HOW_TO_AUTHENTICATE = (
    "Jira Cloud: set JIRA_EMAIL and JIRA_API_TOKEN (an API token of the account ciopt acts as); "
    "Data Center: set JIRA_PAT (a personal access token); the variables' names are the "
    "jira.*_variable settings"
)


class JiraClient(JIRA):
    """The ``jira`` library's client, with the retries and timeout of ciopt's forges, and the two
    calls it lacks: every comment of an issue (page by page), and a remote link created or updated
    by its ``globalId`` (``add_remote_link`` first lists the application links, which takes an
    administrator)."""

    def __init__(self, server: str, *, settings: Settings, **auth: Any) -> None:
        super().__init__(
            server,
            get_server_info=False,  # asked below, once the retries are in place
            max_retries=0,  # the library's own retries (429 and 503 only) give way to ours
            timeout=settings.forge_timeout,
            logging=False,
            options={"headers": {"User-Agent": f"ciopt/{__version__}"}},
            **auth,
        )
        adapter = HTTPAdapter(max_retries=retry(settings))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        info = self.server_info()
        self._version = tuple(info.get("versionNumbers") or (0, 0, 0))
        self.deploymentType = info.get("deploymentType")

    @property
    def cloud(self) -> bool:
        return self._is_cloud

    def all_comments(self, issue: str) -> list[JiraComment]:
        comments: list[JiraComment] = []
        while True:
            params = {"startAt": len(comments), "maxResults": PAGE}
            page = self._get_json(f"issue/{issue}/comment", params=params)
            found = page.get("comments") or []
            comments.extend(JiraComment(self._options, self._session, raw) for raw in found)
            if not found or len(comments) >= int(page.get("total") or 0):
                return comments

    def put_remote_link(self, issue: str, link: Mapping[str, Any]) -> None:
        """``POST /issue/{key}/remotelink``: Jira updates the issue's link with this ``globalId``
        when there is one, else creates it."""
        self._session.post(self._get_url(f"issue/{issue}/remotelink"), data=json.dumps(link))


def retry(settings: Settings) -> Retry:
    """429 and 5xx retried with backoff, waiting as ``Retry-After`` says; the last answer is
    returned, not raised, when the retries run out."""
    return Retry(
        total=settings.forge_retries,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # writes too: Jira answers 429 to any of them
        backoff_factor=1.0,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


@contextmanager
def calling(server: str, what: str, permission: str = "Browse projects") -> Iterator[None]:
    """Turn what the jira library and requests raise while doing ``what`` into ciopt's errors."""
    try:
        yield
    except JIRAError as exc:
        raise _error(exc, server, what, permission) from exc
    except requests.RequestException as exc:
        raise CioptError(
            f"Jira at {server} did not answer while trying to {what} ({type(exc).__name__}); "
            "check the Jira URL and the runner's network",
            reason="forge_unreachable",
        ) from exc
    except ValueError as exc:  # an answer that is not Jira's JSON
        raise CioptError(
            f"Jira at {server} answered something that is not its API while trying to {what}; "
            "check that the URL is the site's, e.g. https://example.atlassian.net",
            reason="forge_error",
        ) from exc


def _error(exc: JIRAError, server: str, what: str, permission: str) -> CioptError:
    said = " ".join(str(exc.text or "").split())[:200] or "no message"
    status = exc.status_code
    if status == 401:
        return ConfigError(
            f"Jira rejected the credentials (401) while trying to {what}; {HOW_TO_AUTHENTICATE}",
            reason="forge_auth",
        )
    if status == 403:
        return ConfigError(
            f"Jira refused to {what} (403: {said}); give ciopt's account the project permission "
            f"{permission!r}",
            reason="forge_auth",
        )
    if status == 404:
        return ConfigError(
            f"Jira found nothing to {what} (404: {said}); check the key, and that ciopt's account "
            "may browse the project",
            reason="forge_not_found",
        )
    if status is not None and (status == 429 or status >= 500):
        return CioptError(
            f"Jira kept failing ({status}) while trying to {what}; run again later",
            reason="forge_unavailable",
        )
    return CioptError(f"Jira refused to {what} ({status}: {said})", reason="forge_refused")


def auth(jira: JiraSettings, environ: Mapping[str, str]) -> dict[str, Any]:
    """The jira library's auth arguments, from the variables the settings name."""
    pat = environ.get(jira.pat_variable, "")
    mode = jira.auth if jira.auth != "auto" else ("datacenter" if pat else "cloud")
    secret = jira.pat_variable if mode == "datacenter" else jira.token_variable
    if not SECRET_NAME.search(secret):
        raise ConfigError(
            f"the Jira credential's variable {secret} does not look secret, so ciopt would not "
            "keep it out of its traces and your tests; name it with TOKEN, SECRET, KEY or PAT"
        )
    if mode == "datacenter":
        if not pat:
            raise ConfigError(
                f"no Jira personal access token in {jira.pat_variable}; " + HOW_TO_AUTHENTICATE
            )
        return {"token_auth": pat}
    email, token = environ.get(jira.email_variable, ""), environ.get(jira.token_variable, "")
    if not (email and token):
        raise ConfigError(
            f"no Jira credentials in {jira.email_variable} and {jira.token_variable}; "
            + HOW_TO_AUTHENTICATE
        )
    return {"basic_auth": (email, token)}
