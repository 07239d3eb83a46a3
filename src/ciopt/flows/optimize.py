"""The optimization of one request, as ``ciopt run`` and ``ciopt replay`` start it.

``optimize_request`` parses the request inside a session, opens the model and the forge, records
what a replay needs (``run.config``), finds the targets of a request that names none (the
hottest ``top`` functions of its benchmarks: ``discover``), and runs the pipeline
(``pipeline.Run``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ciopt.agent import Model, PolicyRegistry, Predictor, open_models, schema_hashes
from ciopt.client import find_python
from ciopt.config import Settings
from ciopt.errors import RepoError, RequestError
from ciopt.flows.discover import discover
from ciopt.flows.memory import Store, open_store
from ciopt.flows.pipeline import Run
from ciopt.flows.session import Session
from ciopt.forges import Forge, open_forge
from ciopt.git import Git
from ciopt.request import parse_request
from ciopt.verdict import Origin, Verdict

__all__ = ["optimize_request"]


def optimize_request(
    session: Session,
    request_text: Callable[[], str],
    repo: Path,
    models: Callable[[Settings], Mapping[str, Model]] = open_models,
    *,
    forge: Forge | None = None,
    origin: Origin | None = None,
    into: str | None = None,
    push: bool = True,
    defaults: Mapping[str, Sequence[str]] | None = None,
    slug: str | None = None,
    memory: Callable[[Settings, Git, Forge], Store | None] = open_store,
    hold_note: str | None = None,
    unit: str | None = None,
    narrow: Mapping[str, Sequence[str]] | None = None,
) -> Verdict:
    """The run of one request in ``repo``, inside ``session``; ``models`` opens the models.

    On a forge (``ciopt.job.respond``): ``forge`` is the one the request came from, ``origin``
    the thread, ``into`` the branch a pull request goes into, ``push=False`` keeps the result
    to the patch (a fork's pull request), ``defaults`` fills what the text leaves out (the
    functions a pull request changed), ``slug`` names the branch (``ciopt/<slug>``).
    ``memory`` opens where the memory of earlier runs is kept (a replay's: what it recalled).
    ``hold_note`` says why a winner is kept to its patch (with ``push=False``; default: a fork's
    pull request), ``unit`` names the unit of a fanned-out run this is (``flows.fanout``) and
    ``narrow`` replaces what of the request the plan made narrower (its benchmarks).
    """
    settings, environ = session.settings, session.environ
    tracer, ledger = session.tracer, session.ledger
    with tracer.span("request") as sp:
        text = request_text()
        sp.set(request_text=text)
        request = parse_request(
            text,
            settings.trigger_phrase,
            {"bench": settings.bench, **(defaults or {})},
            discover=True,  # no target named: the hottest functions, once the executor is open
        )
        if slug:
            request = request.model_copy(update={"slug": slug})
        if narrow:  # a unit's own benchmarks, of the request's (``flows.fanout``)
            request = request.model_copy(update={k: tuple(v) for k, v in narrow.items()})
        # a request only tightens what the repository's settings allow
        request, held = request.tightened(settings.model_dump())
        limits, capped = settings.limits.narrowed(**request.limit_overrides)
        capped = held + capped
        ledger.limits = limits
        sp.set(request=request.model_dump(), limits=limits.model_dump(), capped=capped)
        git = _clean_repo(repo)
        if request.sha and not (base := git.resolve(settings.base)).startswith(request.sha):
            raise RequestError(
                f"the request pins sha={request.sha}, but the commit to optimize is {base[:12]}; "
                "nothing was run: name the commit that should run"
            )
    predictor = Predictor(
        models(settings),
        tracer=tracer,
        ledger=ledger,
        capture=settings.content_capture,
        policies=PolicyRegistry(git.path / ".ciopt" / "policies", schema_hashes()),
    )
    # what `ciopt replay` needs to run this again
    tracer.event(
        "run.config",
        # the interpreter as a path from anywhere: a replay may start in another folder
        settings={
            **settings.model_dump(mode="json"),
            "python": find_python(git.path, settings.python),
        },
        request_text=text,
        base=git.resolve(settings.base),
    )
    executor = session.open_executor()
    discovery = None
    if not request.targets:
        top = request.top or settings.discover_top
        discovery = discover(session, git, bench=request.bench, top=top)
        request = request.model_copy(update={"targets": tuple(discovery.targets)})
    forge = forge or open_forge(settings.forge, settings, environ)
    current = Run(
        settings,
        request,
        git=git,
        predictor=predictor,
        executor=executor,
        forge=forge,
        tracer=tracer,
        ledger=ledger,
        out=session.out,
        environ=environ,
        origin=origin,
        into=into,
        push=push,
        memory=memory(settings, git, forge),
        trace_sinks=session.sink_targets,
        hold_note=hold_note,
        unit=unit,
        discovery=discovery,
    )
    # from here on an error verdict keeps every candidate evaluated so far
    session.on_error = lambda exc: current.failed(exc, exc.reason)
    current.notes.extend(capped)
    if executor.note:
        current.notes.append(executor.note)
    return current.execute()


def _clean_repo(path: Path) -> Git:
    git = Git.open(path)
    dirty = git.dirty_files()
    if dirty:
        shown = ", ".join(dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        raise RepoError(
            f"{git.path} has uncommitted changes ({shown}); commit or stash them first: "
            "ciopt optimizes commits, not the working tree",
            reason="dirty_repo",
        )
    return git
