from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import responses

from tests.helpers.fake_github import FakeGitHub
from tests.helpers.serve import free_address, serve


def test_a_fake_answers_another_process_over_http(rsps: responses.RequestsMock) -> None:
    address = free_address()
    fake = FakeGitHub(rsps, clone_url="/nonexistent.git", api_url=address)
    fake.user("alice")
    number = fake.issue("Speed up dedupe", "body", author="alice")
    auth = {"Authorization": f"token {fake.token}", "Content-Type": "application/json"}
    with serve(rsps, address):
        url = f"{address}/repos/octo/textkit/issues/{number}"
        with urllib.request.urlopen(urllib.request.Request(url, headers=auth)) as answer:
            assert json.load(answer)["title"] == "Speed up dedupe"
        post = urllib.request.Request(
            f"{url}/comments", data=json.dumps({"body": "hi"}).encode(), headers=auth
        )
        with urllib.request.urlopen(post) as answer:
            assert answer.status == 201
        assert fake.comments[number][-1]["body"] == "hi"  # the same state as in-process calls
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(urllib.request.Request(f"{address}/nowhere", headers=auth))
        assert missing.value.code == 404
        missing.value.close()  # the error holds the response, and its socket
