from __future__ import annotations

import random
from typing import TYPE_CHECKING

from cx_mailing import unique_emails

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

_RNG = random.Random(2024)
_USERS = [f"user{n:04d}@example.org" for n in range(750)]
EMAILS = [
    _RNG.choice(_USERS).upper() if _RNG.random() < 0.1 else " " + _RNG.choice(_USERS)
    for _ in range(1500)
]


def test_unique_emails_mailing_list(benchmark: BenchmarkFixture) -> None:
    result = benchmark(unique_emails, EMAILS)
    assert len(result) == len(set(result))
