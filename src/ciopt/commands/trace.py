"""``ciopt trace``: read a run's ``trace.jsonl`` back, as a terminal summary or one HTML page;
delete what an ``s3`` trace sink wrote once it has expired."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ciopt.config import S3SinkSettings
from ciopt.errors import ConfigError
from ciopt.trace import prune, read_trace, s3_client, summarize, write_html

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("trace", help="read a run's trace.jsonl: a summary, or one HTML page")
    actions = p.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print what the run did, spent and decided")
    show.add_argument("file", type=Path, help="the trace.jsonl (in the run's output folder)")
    page = actions.add_parser("html", help="write the trace as one self-contained HTML page")
    page.add_argument("file", type=Path, help="the trace.jsonl (in the run's output folder)")
    page.add_argument(
        "-o", "--out", type=Path, help="where to write the page (default: trace.html beside FILE)"
    )
    old = actions.add_parser(
        "prune",
        help="delete the trace files an s3 trace sink wrote whose expires_at tag has passed "
        "(for stores without lifecycle rules)",
    )
    old.add_argument("--bucket", required=True, help="the sink's bucket")
    old.add_argument("--prefix", default="ciopt", help="the sink's prefix (default: ciopt)")
    old.add_argument("--endpoint-url", help="an S3-compatible store's URL (MinIO, Ceph, ...)")
    old.add_argument("--region", help="the bucket's region (default: boto3's)")
    old.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")


def run(args: argparse.Namespace) -> int:
    if args.action == "prune":
        return _prune(args)
    trace: Path = args.file
    if args.action == "show":
        print(summarize(read_trace(trace)), end="")
        return 0
    out: Path = args.out or trace.with_name("trace.html")
    print(write_html(read_trace(trace), out))
    return 0


def _prune(args: argparse.Namespace) -> int:
    try:
        where = S3SinkSettings(
            kind="s3",
            bucket=args.bucket,
            prefix=args.prefix,
            endpoint_url=args.endpoint_url,
            region=args.region,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        flag = str(first["loc"][0]).replace("_", "-")
        raise ConfigError(f"--{flag} {first['input']!r}: {first['msg']}") from exc
    done = prune(
        s3_client(where), where.bucket, where.prefix, datetime.now(UTC), dry_run=args.dry_run
    )
    for item in done:
        if item.action in ("deleted", "expired"):
            verb = "deleted" if item.action == "deleted" else "would delete"
            print(f"{verb} s3://{where.bucket}/{item.key} (expired {item.expires_at})")
    count = Counter(item.action for item in done)
    gone = (
        f"{count['expired']} to delete (dry run)" if args.dry_run else f"{count['deleted']} deleted"
    )
    print(
        f"s3://{where.bucket}/{where.prefix}/: {len(done)} objects, {gone}, "
        f"{count['kept']} not expired yet, {count['untagged']} without an expires_at tag (kept)"
    )
    return 0
