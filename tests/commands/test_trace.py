"""``ciopt trace prune``'s flags (it is run against a live S3 server in tests/trace/sinks/)."""

from __future__ import annotations

import pytest

from ciopt.cli import main


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--bucket", "Bad_Bucket"], "error: --bucket 'Bad_Bucket': String should match pattern"),
        (["--bucket", "b-1", "--prefix", "../up"], "error: --prefix '../up': String should"),
        (["--bucket", "b-1", "--endpoint-url", "minio:9000"], "error: --endpoint-url 'minio:9000'"),
    ],
)
def test_a_flag_that_names_no_store_is_one_line_and_exit_1(
    flags: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trace", "prune", *flags]) == 1
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1
