"""``verdict.json``: what ``ciopt run`` and ``ciopt compare`` found (``ciopt.verdict/1``); and
``discovery.json``: the functions ``ciopt discover`` found hot (``ciopt.discovery/1``), which
become a run's targets when its request names none."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BenchmarkVerdict",
    "CandidateRecord",
    "Correctness",
    "Differential",
    "Discovery",
    "Guard",
    "HotFunction",
    "Look",
    "Measurement",
    "Mismatch",
    "Origin",
    "TargetEvidence",
    "TestCounts",
    "Verdict",
]

VerdictWord = Literal[
    "faster", "slower", "no_change", "inconclusive", "rejected", "error", "skipped"
]


class BenchmarkVerdict(BaseModel):
    name: str
    ratio: float
    ci: tuple[float, float]
    rounds: int
    base_median_s: float | None = None
    head_median_s: float | None = None
    base_instructions: float | None = None  # per call, with --measure instructions
    head_instructions: float | None = None
    verdict: str
    p_value: float | None = None  # of the claim made (Holm-adjusted across benchmarks)
    min_effect: float | None = None  # the larger of the asked one and the noise floor
    mde: float | None = None


class Look(BaseModel):
    fraction: float  # of the time budget used
    rounds: int
    alpha: float  # the error rate this look spent
    verdict: str
    ratio: float | None = None  # the overall ratio at this look (older verdicts: none)
    ci: tuple[float, float] | None = None  # its interval at this look's level (1 - alpha)


class Measurement(BaseModel):
    """How the numbers were obtained: enough to judge them without the trace."""

    measure: Literal["walltime", "instructions"] = "walltime"
    pairing: str | None = None  # duet, sequential
    timer: str | None = None
    seconds: float = 0.0
    stopped_by: str | None = None  # decided, time_budget, max_rounds, or a budget limit
    decision_confidence: float | None = None  # the level of the reported intervals
    looks: list[Look] = []
    calibration: str | None = None  # the calibration file whose noise floors were applied


class TestCounts(BaseModel):
    """Test parity: the candidate's tests, judged against the tests the baseline passes."""

    __test__ = False
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    broken: list[str] = []  # passed on the baseline, failed on the candidate twice
    flaky: list[str] = []  # failed on the candidate, passed when run again
    baseline_failed: list[str] = []  # failed on the baseline too: not held against the candidate


class TargetEvidence(BaseModel):
    """Differential replay of one function: how many calls stand behind its verdict."""

    target: str  # path::qualname
    recorded: int = 0  # calls recorded while the baseline's tests and benchmarks ran
    calls_compared: int = 0
    calls_equal: int = 0  # recorded calls whose replay on the candidate matched the baseline
    recorded_bench: int = 0  # of the recorded calls, those the benchmarks made
    bench_equal: int = 0  # of the benchmarks' recorded calls, those that compared equal
    generated: int = 0  # inputs generated (from type hints, or the recorded calls' shapes)
    generated_compared: int = 0
    generated_equal: int = 0
    mismatches: int = 0
    unstable: int = 0  # calls whose two baseline replays differed: not compared
    skipped: dict[str, int] = {}  # why calls were not compared: unpicklable, timeout, ...
    generated_note: str | None = None  # why no inputs were generated, or what was left out
    generated_from: Literal["hints", "shapes"] | None = None  # type hints, or recorded shapes
    # distinct input shapes (argument types, and empty / one / several items for containers)
    # among the recorded and generated calls compared equal; how many the types seen allow at
    # most (None: unknown, or more than any floor asks); the first few, named
    input_shapes: int = 0
    input_shapes_possible: int | None = None
    input_shape_names: list[str] = []
    nondeterministic: bool = False
    required: bool = True  # changed (or requested): held to the evidence floor


class Mismatch(BaseModel):
    target: str
    call: str  # rec:N (recorded) or gen:N (generated)
    input: str  # the call's arguments, shortened
    difference: str


class Differential(BaseModel):
    calls_compared: int = 0  # recorded calls compared (equal or not)
    calls_equal: int = 0
    bench_equal: int = 0  # of those, calls the benchmarks made
    generated_compared: int = 0
    generated_equal: int = 0
    mismatches: int = 0
    unstable: int = 0
    skipped: dict[str, int] = {}
    targets: list[TargetEvidence] = []
    examples: list[Mismatch] = []  # the first mismatches, to show in the report


class Guard(BaseModel):
    changed_files: list[str] = []
    violations: list[str] = []


class Correctness(BaseModel):
    tests: TestCounts | None = None
    differential: Differential | None = None  # None: differential replay did not run
    guard: Guard = Field(default_factory=Guard)
    confidence: Literal["high", "low"] | None = None  # None: not verified as far as evidence
    low_confidence: list[str] = []  # why the evidence is below the floor


class CandidateRecord(BaseModel):
    """One candidate's fate: ``outcome`` is a verdict word, ``reason`` says why."""

    id: int
    outcome: VerdictWord
    reason: str
    message: str
    parent: int | None = None  # the candidate this one repairs
    rationale: str = ""
    head: str | None = None
    ratio: float | None = None
    ci: tuple[float, float] | None = None
    mde: float | None = None
    benchmarks: list[BenchmarkVerdict] = []
    measurement: Measurement | None = None
    warnings: list[str] = []
    correctness: Correctness = Field(default_factory=Correctness)
    diff: str = ""


class Origin(BaseModel):
    """Where a request came from on a forge, and where the job that answered it is."""

    forge: str
    thread: str | None = None  # issue-12, pr-7
    url: str | None = None  # the issue or pull/merge request
    requested_by: str | None = None
    via: str | None = None  # label, comment, dispatch, poll
    job_url: str | None = None
    artifacts_url: str | None = None


class HotFunction(BaseModel):
    """One function of the project, as the profile of its benchmarks saw it.

    Shares are of the benchmark time (``Discovery.bench_s``). Own time is the time in the
    function's own code and in the library and built-in code it calls: everything but the
    project's other functions. Its comprehensions, lambdas and nested functions are part of it.
    """

    target: str  # path::qualname, as a request names it
    calls: int
    own_s: float
    self_s: float  # in its own code alone (cProfile's tottime)
    cum_s: float  # the project's other functions included (cProfile's cumtime)
    own_share: float
    cum_share: float
    benchmarks: list[str] = []  # the benchmark tests it ran under (pytest node ids)


class Discovery(BaseModel):
    """The hottest functions of the project while its benchmarks ran, and those picked.

    The benchmark time is the summed cumulative time of the benchmark test functions themselves,
    so collection, imports, fixtures and pytest's own work are not in it. ``rows`` are ranked by
    own share, then share including callees; a function whose own share is below ``min_share``
    is left out (counted in ``negligible``). ``targets`` are the first ``top`` rows.
    """

    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["ciopt.discovery/1"] = Field("ciopt.discovery/1", alias="schema")
    base: str | None = None
    bench: list[str]
    bench_s: float
    tests: int  # benchmark test functions called
    top: int
    min_share: float
    targets: list[str]
    rows: list[HotFunction]
    negligible: int = 0  # the project's functions that ran, below min_share

    def row(self, target: str) -> HotFunction | None:
        return next((r for r in self.rows if r.target == target), None)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


class Verdict(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["ciopt.verdict/1"] = Field("ciopt.verdict/1", alias="schema")
    verdict: VerdictWord
    reason: str
    message: str
    base: str | None = None
    head: str | None = None
    benchmarks: list[BenchmarkVerdict] = []
    ratio: float | None = None
    ci: tuple[float, float] | None = None
    confidence: float | None = None
    min_effect: float | None = None
    mde: float | None = None
    measurement: Measurement | None = None
    warnings: list[str] = []
    correctness: Correctness = Field(default_factory=Correctness)
    budget: dict[str, Any] = Field(default_factory=dict)
    run_id: str | None = None
    targets: list[str] = []
    discovery: Discovery | None = None  # why these targets, when the request named none
    title: str | None = None  # the model's explanation of the winner
    summary: str | None = None
    branch: str | None = None
    pr_url: str | None = None
    origin: Origin | None = None
    unit: str | None = None  # the unit of a fanned-out run (``ciopt run --unit``) this was
    isolation: str | None = None  # how the code under test was kept from ciopt's secrets
    # where the trace is sent when the command ends (the trace sinks: an OTLP endpoint, an S3
    # location), as configured; the command's output says which received it
    trace_sinks: list[str] = []
    # what ended the search early: a budget limit (llm_calls, ...), or a failure after a winner
    # was verified (model_failed, model_exhausted, crashed, explanation_failed, ...)
    stopped_by: str | None = None
    stopped_message: str | None = None  # a failure's one line, naming the call that failed
    notes: list[str] = []
    candidates: list[CandidateRecord] = []

    def to_json(self) -> str:
        data = self.model_dump(by_alias=True, mode="json")
        for cand in data["candidates"]:
            cand.pop("diff", None)
        return json.dumps(data, indent=2) + "\n"
