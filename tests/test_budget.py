from __future__ import annotations

import threading

import pytest

from ciopt.budget import Ledger, Overrun
from ciopt.config import Limits
from ciopt.errors import BudgetExhausted


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_llm_calls_exhausted_after_exactly_n(clock: FakeClock, limit: int) -> None:
    ledger = Ledger(Limits(llm_calls=limit), clock=clock)
    for _ in range(limit):
        ledger.ensure("llm_calls")
        ledger.charge(llm_calls=1)
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("llm_calls")
    assert caught.value.limit == "llm_calls"
    assert caught.value.spent == limit
    assert caught.value.allowed == limit
    assert caught.value.reason == "budget_exhausted"


def test_zero_llm_calls_allows_none(clock: FakeClock) -> None:
    ledger = Ledger(Limits(llm_calls=0), clock=clock)
    with pytest.raises(BudgetExhausted, match="llm_calls"):
        ledger.ensure("llm_calls")


def test_need_more_than_one(clock: FakeClock) -> None:
    ledger = Ledger(Limits(candidates=4), clock=clock)
    ledger.charge(candidates=2)
    ledger.ensure("candidates", need=2)
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("candidates", need=3)
    assert caught.value.limit == "candidates"


def test_wall_time_exhaustion(clock: FakeClock) -> None:
    ledger = Ledger(Limits(wall_seconds=60), clock=clock)
    clock.now += 59.5
    ledger.ensure()
    ledger.ensure("llm_calls")
    clock.now += 0.5
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure()
    assert caught.value.limit == "wall_seconds"
    assert caught.value.allowed == 60


def test_wall_time_is_checked_first(clock: FakeClock) -> None:
    ledger = Ledger(Limits(wall_seconds=10, llm_calls=0), clock=clock)
    clock.now += 11
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("llm_calls")
    assert caught.value.limit == "wall_seconds"


def test_wall_seconds_follow_the_clock(clock: FakeClock) -> None:
    ledger = Ledger(Limits(wall_seconds=100, llm_calls=5), clock=clock)
    clock.now += 30
    assert ledger.wall_seconds() == 30
    assert ledger.snapshot()["spent"]["wall_seconds"] == 30
    ledger.charge(llm_calls=2)
    assert ledger.snapshot()["spent"]["llm_calls"] == 2


@pytest.mark.parametrize("counter", ["cost_usd", "input_tokens", "output_tokens", "bench_seconds"])
def test_headroom_counters(clock: FakeClock, counter: str) -> None:
    ledger = Ledger(Limits(**{counter: 10}), clock=clock)
    ledger.charge(**{counter: 9.99})
    ledger.ensure(counter)  # some headroom left: allowed, even though the next use may overshoot
    ledger.charge(**{counter: 0.01})
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure(counter)
    assert caught.value.limit == counter


def test_cost_overshoot_raises(clock: FakeClock) -> None:
    ledger = Ledger(Limits(cost_usd=1.0), clock=clock)
    ledger.charge(cost_usd=1.7)
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("llm_calls", "cost_usd")
    assert caught.value.limit == "cost_usd"
    assert caught.value.spent == pytest.approx(1.7)


def test_first_exhausted_name_is_reported(clock: FakeClock) -> None:
    ledger = Ledger(Limits(llm_calls=1, cost_usd=1.0), clock=clock)
    ledger.charge(llm_calls=1, cost_usd=1.0)
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("cost_usd", "llm_calls")
    assert caught.value.limit == "cost_usd"


def test_charge_accumulates(clock: FakeClock) -> None:
    ledger = Ledger(Limits(), clock=clock)
    ledger.charge(input_tokens=100, output_tokens=20, cost_usd=0.25)
    ledger.charge(input_tokens=50, cost_usd=0.5)
    assert ledger.spent["input_tokens"] == 150
    assert ledger.spent["output_tokens"] == 20
    assert ledger.spent["cost_usd"] == pytest.approx(0.75)


def test_unknown_counter_in_charge(clock: FakeClock) -> None:
    ledger = Ledger(Limits(), clock=clock)
    with pytest.raises(KeyError, match="bogus"):
        ledger.charge(bogus=1)


def test_snapshot(clock: FakeClock) -> None:
    limits = Limits(llm_calls=7, cost_usd=2.0)
    ledger = Ledger(limits, clock=clock)
    ledger.charge(llm_calls=2, cost_usd=0.1234567891)
    clock.now += 12.34567
    snap = ledger.snapshot()
    assert snap["limits"] == limits.model_dump()
    assert snap["spent"]["llm_calls"] == 2
    assert snap["spent"]["cost_usd"] == 0.123457
    assert snap["spent"]["wall_seconds"] == 12.346
    assert set(snap["spent"]) == {
        "llm_calls", "input_tokens", "output_tokens", "cost_usd", "candidates", "bench_seconds",
        "subprocess_calls", "output_bytes", "wall_seconds",
    }  # fmt: skip
    assert set(snap["limits"]) == set(snap["spent"])  # every counter has a limit, and back


def test_snapshot_follows_narrowed_limits(clock: FakeClock) -> None:
    ledger = Ledger(Limits(), clock=clock)
    ledger.limits, _ = ledger.limits.narrowed(llm_calls=1)
    assert ledger.snapshot()["limits"]["llm_calls"] == 1
    ledger.charge(llm_calls=1)
    with pytest.raises(BudgetExhausted):
        ledger.ensure("llm_calls")


def test_defaults_cover_the_new_limits() -> None:
    limits = Limits()
    assert limits.subprocess_calls == 5000
    assert limits.output_bytes == 512 * 1024 * 1024


@pytest.mark.parametrize("limit", [1, 4])
def test_subprocess_calls_are_counted_one_by_one(clock: FakeClock, limit: int) -> None:
    ledger = Ledger(Limits(subprocess_calls=limit), clock=clock)
    for _ in range(limit):
        ledger.ensure("subprocess_calls")
        ledger.charge(subprocess_calls=1)
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("subprocess_calls")
    assert (caught.value.limit, caught.value.spent, caught.value.allowed) == (
        "subprocess_calls",
        limit,
        limit,
    )
    assert ledger.snapshot()["spent"]["subprocess_calls"] == limit


def test_subprocess_calls_need_room_for_a_whole_round(clock: FakeClock) -> None:
    ledger = Ledger(Limits(subprocess_calls=5), clock=clock)
    ledger.charge(subprocess_calls=3)
    ledger.ensure("subprocess_calls", need=2)
    ledger.charge(subprocess_calls=1)
    with pytest.raises(BudgetExhausted, match="subprocess_calls"):
        ledger.ensure("subprocess_calls", need=2)  # one left: not enough for both sides


def test_output_bytes_need_headroom(clock: FakeClock) -> None:
    ledger = Ledger(Limits(output_bytes=1000), clock=clock)
    ledger.charge(output_bytes=999)
    ledger.ensure("output_bytes", need=2)  # headroom, not a count: what is written is unknown
    ledger.charge(output_bytes=10)  # a write past the limit is charged in full
    assert ledger.spent["output_bytes"] == 1009
    with pytest.raises(BudgetExhausted) as caught:
        ledger.ensure("output_bytes")
    assert (caught.value.limit, caught.value.spent) == ("output_bytes", 1009)


def test_charges_from_threads_all_count(clock: FakeClock) -> None:
    ledger = Ledger(Limits(), clock=clock)

    def work() -> None:
        for _ in range(2000):
            ledger.charge(subprocess_calls=1, output_bytes=3)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger.spent["subprocess_calls"] == 8000
    assert ledger.spent["output_bytes"] == 24000


def test_left_of_a_counter_and_of_the_wall_time(clock: FakeClock) -> None:
    ledger = Ledger(Limits(output_tokens=300, wall_seconds=60), clock=clock)
    ledger.charge(output_tokens=120)
    clock.now += 45
    assert ledger.left("output_tokens") == 180
    assert ledger.left("wall_seconds") == ledger.seconds_left() == 15
    ledger.charge(output_tokens=200)  # a reply longer than what was left
    clock.now += 20
    assert ledger.left("output_tokens") == -20 and ledger.seconds_left() == -5
    with pytest.raises(KeyError, match="bogus"):
        ledger.left("bogus")


def test_overruns_name_each_limit_gone_past_wall_time_first(clock: FakeClock) -> None:
    ledger = Ledger(Limits(output_tokens=300, llm_calls=2, wall_seconds=60), clock=clock)
    ledger.charge(output_tokens=300, llm_calls=2)
    clock.now += 60
    assert ledger.overruns() == []  # reaching a limit exactly is no overrun
    ledger.charge(output_tokens=7340)
    clock.now += 848
    assert ledger.overruns() == [
        Overrun("wall_seconds", 908, 60),
        Overrun("output_tokens", 7640, 300),
    ]
