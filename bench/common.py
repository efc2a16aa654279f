"""Shared helpers for the scale benchmarks: processes, peak memory, percentiles, servers."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Run:
    """A finished child process: wall seconds, peak resident memory (MiB), exit code, CPU s."""

    seconds: float
    peak_mib: float
    returncode: int
    cpu_s: float = 0.0


def run_measured(
    cmd: Sequence[str], env: dict[str, str] | None = None, log: Path | None = None
) -> Run:
    """Run a command to completion; measure its wall time and peak RSS (from ``wait4``)."""
    start = time.perf_counter()
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(list(cmd), env=env, stdout=out, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if log:
        out.close()  # type: ignore[union-attr]
    cpu = usage.ru_utime + usage.ru_stime
    return Run(time.perf_counter() - start, usage.ru_maxrss / 1024, proc.returncode, cpu)


def peak_mib(pid: int) -> float:
    """Peak resident memory of a running process (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tree_peak_mib(pid: int) -> float:
    """Sum of the peak resident memory of a process and all its descendants, in MiB (an upper
    bound on the tree's peak: the peaks need not coincide)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += peak_mib(p)
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        out.append(p)
    return out


def tree_pss_mib(pid: int) -> float:
    """Proportional set size of a process tree now, in MiB: each page shared by k processes
    (memory-mapped files, copy-on-write) counts 1/k in each, so the sum is the tree's real use."""
    total = 0
    for p in tree_pids(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        total += int(text.split("Pss:")[1].split()[0])
    return total / 1024


def self_peak_mib() -> float:
    """Peak resident memory of this process, in MiB."""
    return peak_mib(os.getpid())


def pct(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def cradle_cmd(*args: str) -> list[str]:
    """This interpreter's ``cradle`` command with ``args`` (``python -m cradle.cli ...``)."""
    return [sys.executable, "-m", "cradle.cli", *args]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, seconds: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``url`` answers (any status), or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@contextmanager
def oxigraph_server(location: Path, timeout_s: int = 30) -> Iterator[tuple[str, int]]:
    """An ``oxigraph serve`` on a free loopback port: yields (base URL, pid)."""
    exe = BIN / "oxigraph"
    port = free_port()
    shutil.rmtree(location, ignore_errors=True)
    cmd = [str(exe), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        [*cmd, "--timeout-s", str(timeout_s)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/", 30, proc)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def machine() -> dict[str, str]:
    """What the benchmark ran on: CPU model and count, memory, OS, Python."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    info = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout
    mem = next((ln.split()[1] for ln in free.splitlines() if ln.startswith("Mem:")), "?")
    return {
        "cpu": info.get("Model name", "?").strip(),
        "cpus": info.get("CPU(s)", "?").strip(),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def cpu_probe_ms() -> float:
    """Best of three runs of a fixed pure-Python loop, in ms: how fast this core is right now.

    The shared 2-core machine varies: the same loop took 190-210 ms when quiet and up to
    380 ms when its host was busy. Recorded beside timings so that runs can be compared.
    """
    best = float("inf")
    for _ in range(3):
        start, x = time.perf_counter(), 0
        for i in range(3_000_000):
            x += i
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def emit(result: dict[str, Any], out: Path | None, indent: int = 1) -> None:
    """Print a benchmark's JSON result and, when ``out`` is given, write it there too."""
    text = json.dumps(result, indent=indent)
    print(text)
    if out:
        out.write_text(text + "\n")
