"""``ciopt run`` on a forge: answer the requests of a CI event, or those a poll finds.

For each request: screen it (phrase, own comments, bots), check that the person may write to the
repository (before any of their code runs), claim it, keep one progress comment up to date, run,
publish, and leave the labels saying how it ended. Each request gets its own output folder and
trace; a poll's requests go in ``<out>/<issue-12>/`` folders.

A pull request's head is pinned when the request is claimed (the forge says which commit it is,
and the progress comment shows it); ``sha=<prefix>`` in the request pins it by name. The run
goes ahead only if the head fetched is that commit: a push after the request is not run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ciopt.agent import missing_credentials
from ciopt.config import Settings, load_settings
from ciopt.errors import CioptError, ConfigError
from ciopt.flows import Session, optimize_request
from ciopt.forges import Ask, Forge, Ignored, Rules, Thread, fork_context, open_forge, screen_ask
from ciopt.git import Git
from ciopt.job.claim import Claim, Labels, State, ci_run, decide
from ciopt.job.progress import Progress
from ciopt.job.targets import changed_targets
from ciopt.report import render_text
from ciopt.request import asked_keys, asked_sha
from ciopt.trace import Listener, Redactor
from ciopt.verdict import Origin, Verdict

__all__ = ["answer_requests"]

Opener = Callable[[str, Settings, Mapping[str, str]], Forge]
HEAD_MOVED = "head_moved"  # the verdict's reason when a pull request's head is not the pinned one


def answer_requests(
    repo: Path,
    environ: Mapping[str, str],
    flags: dict[str, Any],
    *,
    poll: int | None = None,
    opener: Opener = open_forge,
    listeners: Sequence[Listener] = (),
) -> int:
    """Answer the requests of the CI event in ``environ`` (or, with ``poll``, up to that many
    that the forge's API lists), in the checkout ``repo``, with the settings ``flags`` give.
    ``listeners`` follow each request's session (the command's progress display).

    Exit code: 0 when every request was answered (refusals included), 1 when one failed.
    """
    settings = load_settings(repo if repo.is_dir() else None, **flags)
    fork = fork_context(environ)
    try:
        forge = opener(settings.forge, settings, environ)
        missing = missing_credentials(settings) if fork else []
    except ConfigError as exc:
        if not fork:
            raise
        missing = [str(exc)]
    if fork and missing:
        return _explain_fork(fork, missing, environ)
    rules = rules_of(settings, forge)
    asks: list[Ask] = []
    for found in forge.asks(environ, rules, poll):
        kept = screen_ask(found, rules) if isinstance(found, Ask) else found
        if isinstance(kept, Ignored):
            print(f"ciopt: not a request ({kept.reason}): {kept.message}")
        else:
            asks.append(kept)
    if not asks:
        print("ciopt: nothing to do")
        return 0
    codes = []
    for ask in asks:
        out = settings.out / ask.thread.key if len(asks) > 1 and ask.thread else settings.out
        responder = Responder(
            ask, forge=forge, rules=rules, settings=settings, environ=environ, listeners=listeners
        )
        try:
            codes.append(responder.answer(repo, {**flags, "out": out}))
        except CioptError as exc:
            if len(asks) == 1:
                raise  # the CLI says it
            # one request's failure does not stop a poll's others (its thread says why)
            redact = Redactor.from_environ(environ).text
            print(
                f"error: {ask.thread.key if ask.thread else ''}: {redact(str(exc))}",
                file=sys.stderr,
            )
            codes.append(1)
    return max(codes)


def rules_of(settings: Settings, forge: Forge) -> Rules:
    """What counts as a request on ``forge``, and who ciopt is there."""
    return Rules(
        label=settings.label,
        phrase=settings.trigger_phrase,
        allowed_bots=tuple(settings.allowed_bots),
        me=forge.whoami(),
    )


class Responder:
    """One request, answered in one session: authorized, claimed, run, reported."""

    def __init__(
        self,
        ask: Ask,
        *,
        forge: Forge,
        rules: Rules,
        settings: Settings,
        environ: Mapping[str, str],
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.ask = ask
        self.listeners = listeners
        self.forge = forge
        self.rules = rules
        self.settings = settings
        self.environ = environ
        self.labels = Labels(ask=settings.label)
        links = forge.links(environ)
        thread = ask.thread
        self.origin = Origin(
            forge=forge.name,
            thread=thread.key if thread else None,
            url=thread.url if thread else None,
            requested_by=ask.author.login,
            via=ask.via,
            job_url=links.job,
            artifacts_url=links.artifacts,
        )
        self.links = links
        self.progress: Progress | None = None

    def answer(self, repo: Path, flags: dict[str, Any]) -> int:
        with Session("run", repo, self.environ, listeners=self.listeners, **flags) as session:
            if not self.admit(session):
                return 0
            try:
                verdict = self._run(session, repo)
            except CioptError as exc:
                self.finish("failed", error=session.redactor.text(str(exc)))
                raise
            state: State = "failed" if verdict.verdict == "error" else "done"
            self.finish("refused" if verdict.reason == HEAD_MOVED else state, verdict)
            print(
                session.redactor.text(
                    f"ciopt: {verdict.verdict} ({verdict.reason}) - "
                    f"{verdict.message}" + (f" {verdict.pr_url}" if verdict.pr_url else "")
                )
            )
        # once the session has closed: the trace's copies are written, the sinks have had it
        print(f"  {session.results_line()}")
        return 1 if verdict.verdict == "error" else 0

    def admit(self, session: Session) -> bool:
        """The request recorded, its author authorized and its thread claimed; False when it
        goes no further (a refusal or a busy reply is made, and a skipped verdict written)."""
        ask, thread = self.ask, self.ask.thread
        with session.tracer.span("intake", **self._intake()):
            pass
        with session.tracer.span("authorize", login=ask.author.login) as sp:
            access = self.forge.access(ask.author, thread)
            sp.set(allowed=access.allowed, role=access.role)
        if not access.allowed:
            self.reply("refusal.md.j2", role=access.role, needed=access.needed, session=session)
            self._skipped(
                session,
                "unauthorized",
                f"@{ask.author.login} may not start runs here (permission: {access.role})",
            )
            return False
        return thread is None or self._claim(session, thread, access.role)

    # -- steps ---------------------------------------------------------------------------------

    def _intake(self) -> dict[str, Any]:
        ask = self.ask
        return {
            "forge": self.forge.name,
            "via": ask.via,
            "author": ask.author.login,
            "thread": ask.thread.key if ask.thread else None,
            "comment": ask.comment.url if ask.comment else None,
            "request_text": ask.text,
        }

    def _claim(self, session: Session, thread: Thread, role: str) -> bool:
        """Claim the thread; False when another job holds it (the person is told)."""
        key = f"comment-{self.ask.comment.id}" if self.ask.comment else thread.key
        run = ci_run(self.environ, session.tracer.run_id)
        expiry = timedelta(minutes=self.settings.claim_expiry_minutes)
        with session.tracer.span("claim", key=key, run=run) as sp:
            found = decide(
                self.forge.comments(thread), me=self.rules.me, key=key, run=run, expiry=expiry
            )
            if not found.go:
                sp.set(claimed=False, holder=found.holder.url if found.holder else None)
                if self.ask.comment is not None:
                    self.reply("busy.md.j2", holder=found.holder, session=session)
                self._skipped(session, "already_running", "another job is working on this request")
                return False
            head = self._head(thread)
            sp.set(head=head)
            claim = Claim(key=key, state="running", run=run, at=datetime.now(UTC), head=head)
            progress = Progress(
                self.forge,
                thread,
                claim=claim,
                author=self.ask.author,
                links=self.links,
                comment=found.mine,
                redact=session.redactor.text,
            )
            progress.steps["request"] = progress.steps["request"].model_copy(
                update={"state": "running"}
            )
            progress.step("permission", "done", f"@{self.ask.author.login} has {role}", post=False)
            progress.post(required=True)
            self.forge.relabel(
                thread,
                add=[self.labels.running],
                remove=[self.labels.ask, self.labels.done, self.labels.failed],
            )
            assert progress.comment is not None
            # the comment just posted shows ciopt's own login, where whoami could only guess
            # (a GitHub App's installation token cannot read its own user)
            me = progress.comment.author.login or self.rules.me
            again = decide(
                self.forge.comments(thread),
                me=me,
                key=key,
                run=run,
                expiry=expiry,
                mine_id=progress.comment.id,
            )
            if not again.go:  # another job claimed it at the same moment, and first
                sp.set(claimed=False, holder=again.holder.url if again.holder else None)
                progress.finish("yielded", error="another job claimed this request first")
                self._skipped(session, "already_running", "another job claimed this first")
                return False
            sp.set(
                claimed=True,
                expired=[c.model_dump(mode="json") for c in found.expired],
                comment=progress.comment.url,
            )
            self.progress = progress
            session.tracer.listeners.append(progress.on_record)
            return True

    def _run(self, session: Session, repo: Path) -> Verdict:
        thread, text = self.ask.thread, self.ask.text
        defaults: dict[str, tuple[str, ...]] = {}
        into, push = None, True
        if thread is not None and thread.kind == "pull":
            asked = asked_sha(text, self.rules.phrase)
            git = Git.open(repo)
            with session.tracer.span("fetch", thread=thread.key) as sp:
                head, base = self.forge.fetch(git, thread)
                pinned = self.progress.claim.head if self.progress else thread.head_sha
                why = _moved(thread, head, pinned, asked, self._pr_word)
                sp.set(head=head, base=base, pinned=pinned, asked=asked, moved=why)
            if why:
                return self._refuse_moved(session, why)
            session.override(base=head)
            into, push = thread.head_ref, not thread.fork
            if thread.fork:  # a stranger's code: isolation, whatever the config accepts
                session.stranger = f"the head of a fork's {self._pr_word}"
            if "target" not in asked_keys(text, self.rules.phrase):
                limit = self.settings.max_changed_targets
                defaults["targets"] = tuple(changed_targets(git, base, head, limit=limit))
        verdict = optimize_request(
            session,
            lambda: text,
            repo,
            forge=self.forge,
            origin=self.origin,
            into=into,
            push=push,
            defaults=defaults,
            slug=thread.key if thread else None,
        )
        if not push and self.progress is not None and verdict.reason == "verified_faster":
            patch = session.out.path / "patch.diff"
            self.progress.patch = patch.read_text(encoding="utf-8") if patch.is_file() else ""
        return verdict

    def _head(self, thread: Thread) -> str | None:
        """A pull request's head as the forge says it is now: the one commit this job may run."""
        if thread.kind != "pull":
            return None
        return self.forge.thread(thread.number, "pull").head_sha

    @property
    def _pr_word(self) -> str:
        return "merge request" if self.forge.name == "gitlab" else "pull request"

    def _refuse_moved(self, session: Session, why: str) -> Verdict:
        """Run nothing: the head is not the commit the request was pinned to; say so."""
        if self.progress is not None:
            self.progress.step("request", "failed", why, post=False)
        self.reply("moved.md.j2", why=why, session=session)
        message = f"{why}; nothing was run"
        verdict = self._verdict(session, HEAD_MOVED, message)
        session.out.write_verdict(verdict)
        return verdict

    def finish(self, state: State, verdict: Verdict | None = None, error: str = "") -> None:
        progress, thread = self.progress, self.ask.thread
        if progress is None or thread is None:
            return
        if verdict is not None and verdict.pr_url:
            try:  # where the tracker shows it too (a Jira issue's remote link)
                what = verdict.title or ", ".join(t.split("::")[-1] for t in verdict.targets)
                self.forge.link(thread, verdict.pr_url, f"perf: {what}")
            except CioptError as exc:
                progress.problems.append(f"pull request not linked: {exc}")
        progress.finish(state if state in ("failed", "refused") else "done", verdict, error)
        try:
            ended = self.labels.failed if state == "failed" else self.labels.done
            self.forge.relabel(thread, add=[ended], remove=[self.labels.running])
        except CioptError as exc:
            progress.problems.append(f"labels not updated: {exc}")
        for problem in progress.problems:
            print(f"ciopt: warning: {problem}")

    def reply(self, template: str, *, session: Session, **values: Any) -> None:
        thread = self.ask.thread
        if thread is None:
            return
        body = render_text(template, author=self.ask.author, rules=self.rules, **values)
        try:
            self.forge.comment(thread, session.redactor.text(body))
        except CioptError as exc:
            print(f"ciopt: warning: could not reply on {thread.key}: {exc}")

    def _skipped(self, session: Session, reason: str, message: str) -> int:
        session.out.write_verdict(self._verdict(session, reason, message))
        print(f"ciopt: skipped ({reason}): {message}")
        return 0

    def _verdict(self, session: Session, reason: str, message: str) -> Verdict:
        return Verdict(
            verdict="skipped",
            reason=reason,
            message=message,
            run_id=session.tracer.run_id,
            origin=self.origin,
            budget=session.ledger.snapshot(),
        )


def _moved(
    thread: Thread, head: str, pinned: str | None, asked: str | None, noun: str
) -> str | None:
    """Why the fetched ``head`` of a pull request may not run, or None when it may: it must be
    the head ``pinned`` when the request was claimed, start with the ``sha=`` the request
    ``asked`` for, and (when the request names no commit) be the head the event showed."""
    if pinned is None:
        return f"the forge did not say which commit is the head of this {noun}"
    if asked and not head.startswith(asked):
        return f"the head of this {noun} moved: it is {head[:12]}, not the {asked} asked for"
    if head != pinned:
        return f"the head of this {noun} moved from {pinned[:12]} to {head[:12]} after the request"
    seen = thread.head_sha  # when the request was made (a GitLab note's event says it)
    if not asked and seen and seen != pinned:
        return f"the head of this {noun} moved from {seen[:12]} to {head[:12]} after the request"
    return None


def _explain_fork(fork: str, missing: list[str], environ: Mapping[str, str]) -> int:
    """A fork's pipeline has no secrets: say so where the person will look, and stop cleanly."""
    text = render_text("fork.md.j2", fork=fork, missing=missing)
    print(f"ciopt: {text.splitlines()[0]}")
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(text)
    return 0
