from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ciopt.config import Limits
from ciopt.errors import ConfigError
from ciopt.plan import SHARED, SPLIT, Plan, Unit, split_limits


@pytest.mark.parametrize("units", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("calls", [3, 7, 12, 100])
def test_the_shares_of_a_budget_never_add_up_to_more_than_it(units: int, calls: int) -> None:
    limits = Limits(llm_calls=calls, cost_usd=1.0, candidates=max(units, 5), input_tokens=1001)
    shares = split_limits(limits, units)
    assert len(shares) == units
    for name in SPLIT:
        total = sum(s[name] for s in shares)
        assert total <= getattr(limits, name)
        # nothing is wasted either: integer limits are shared out whole, USD to a micro-dollar
        assert getattr(limits, name) - total < (units * 1e-6 if name == "cost_usd" else 1)
        assert max(s[name] for s in shares) - min(s[name] for s in shares) <= 1
    for name in SHARED:  # a runner's own limits are each unit's whole
        assert all(s[name] == getattr(limits, name) for s in shares)


def test_the_first_units_take_the_remainder() -> None:
    shares = split_limits(Limits(llm_calls=7, candidates=4), 3)
    assert [s["llm_calls"] for s in shares] == [3, 2, 2]
    assert [s["candidates"] for s in shares] == [2, 1, 1]
    assert all(isinstance(s["llm_calls"], int) for s in shares)


def _plan() -> Plan:
    return Plan(
        kind="targets",
        run="123",
        base="a" * 40,
        forge="github",
        units=[
            Unit(id="1", request="/optimize bench=b $HOME `x`", targets=["m.py::f"]),
            Unit(id="2", request="/optimize bench=b", targets=["m.py::g"]),
        ],
    )


def test_a_plan_reads_back_from_json_and_from_base64(tmp_path: Path) -> None:
    plan = _plan()
    (tmp_path / "plan.json").write_text(plan.to_json())
    (tmp_path / "plan.b64").write_text(plan.encoded() + "\n")
    assert Plan.read(tmp_path / "plan.json") == plan
    assert Plan.read(tmp_path / "plan.b64") == plan
    # base64 carries the request text inert: no $, backquote or quote survives in it
    assert set(plan.encoded()) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    )
    assert json.loads(base64.b64decode(plan.encoded()))["units"][0]["request"].endswith("`x`")


def test_the_matrix_names_every_unit() -> None:
    assert json.loads(_plan().matrix()) == {"unit": ["1", "2"]}


def test_bad_plans_and_units_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Plan.read(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("not a plan")
    with pytest.raises(ConfigError, match="is not a plan ciopt wrote") as info:
        Plan.read(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=r"no unit '9' \(its units: 1, 2\)"):
        _plan().unit("9")
