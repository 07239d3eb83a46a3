"""How busy the machine was while we measured: CPU time not ours, and time stolen by the host."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Load", "Sample", "load_between", "parse_proc_stat", "sample"]

PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class Sample:
    wall: float
    busy: float  # seconds of CPU busy on all CPUs (user, nice, system, irq, softirq)
    steal: float  # seconds the hypervisor ran someone else
    ours: float  # CPU seconds of this process and its finished children
    cpus: int


@dataclass(frozen=True)
class Load:
    others: float  # CPUs' worth of work by other processes (0.5 = half a CPU, on average)
    steal: float  # fraction of CPU time stolen by the host
    cpus: int


def parse_proc_stat(text: str, ticks: float) -> tuple[float, float]:
    """(busy, steal) seconds from the ``cpu`` line of ``/proc/stat``."""
    for line in text.splitlines():
        if line.startswith("cpu "):
            fields = [float(x) / ticks for x in line.split()[1:]]
            user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0.0] * 8)[:8]
            return user + nice + system + irq + softirq, steal
    raise ValueError("no cpu line in /proc/stat")


def sample() -> Sample | None:
    """Now, or None where ``/proc/stat`` does not exist (not Linux)."""
    try:
        text = PROC_STAT.read_text()
    except OSError:
        return None
    busy, steal = parse_proc_stat(text, float(os.sysconf("SC_CLK_TCK")))
    mine = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime
    return Sample(time.monotonic(), busy, steal, ours, os.cpu_count() or 1)


def load_between(start: Sample | None, end: Sample | None) -> Load | None:
    if start is None or end is None or end.wall <= start.wall:
        return None
    wall = end.wall - start.wall
    others = max(0.0, (end.busy - start.busy) - (end.ours - start.ours)) / wall
    total = (end.busy - start.busy) + (end.steal - start.steal)
    steal = (end.steal - start.steal) / total if total > 0 else 0.0
    return Load(others=others, steal=steal, cpus=end.cpus)
