"""Timing, peak-memory and machine-load helpers for the speed benchmark.

On a shared machine a single timing means little, so every comparison runs
its variants interleaved, round after round, and reports the minimum (the
least disturbed run) next to the median.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy
import torch
import torch_geometric


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a wall-clock timer measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class Timing:
    """Seconds of repeated runs of one variant."""

    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_interleaved(
    variants: dict[str, Callable[[], object]], rounds: int, device: torch.device, warmup: int = 1
) -> dict[str, Timing]:
    """Run every variant once per round, in turn, and return each one's timings.

    Interleaving spreads the other processes' load over all variants alike,
    so ratios between variants stay meaningful under load.
    """
    for _ in range(warmup):
        for run in variants.values():
            run()
    timings = {name: Timing([]) for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            synchronize(device)
            started = time.perf_counter()
            run()
            synchronize(device)
            timings[name].seconds.append(time.perf_counter() - started)
    return timings


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_resident_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM line")


def _release_free_heap() -> None:
    """Return the allocator's free heap pages to the kernel (glibc ``malloc_trim``).

    Without this, a measured call can reuse pages that earlier work freed
    but the process kept, and the resident size would not show that memory.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # Not glibc: the measurement may then read low.
        pass


def _reset_peak_resident() -> bool:
    """Reset the kernel's peak-RSS counter (Linux ``clear_refs`` value 5); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


class _RssSampler(threading.Thread):
    """Fallback when the peak counter cannot be reset: poll the RSS every millisecond."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _resident_bytes()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.001):
            self.peak = max(self.peak, _resident_bytes())


def measure_peak_memory(
    run: Callable[[], object], device: torch.device
) -> tuple[object, float, int]:
    """Return ``(result, seconds, peak extra bytes)`` of one call of ``run``.

    On CPU the extra memory is the peak resident set size during the call
    minus the resident size before it, after free heap pages went back to
    the kernel (torch allocations are invisible to ``tracemalloc``). On CUDA
    it is the peak of ``torch.cuda.memory_allocated`` above its value before
    the call.
    """
    if device.type == "cuda":
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        started = time.perf_counter()
        result = run()
        synchronize(device)
        seconds = time.perf_counter() - started
        return result, seconds, torch.cuda.max_memory_allocated(device) - before

    _release_free_heap()
    sampler = None if _reset_peak_resident() else _RssSampler()
    before = _resident_bytes()
    if sampler is not None:
        sampler.start()
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    if sampler is None:
        return result, seconds, _peak_resident_bytes() - before
    sampler.stopped.set()
    sampler.join()
    return result, seconds, sampler.peak - before


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def environment(device: torch.device) -> dict:
    """Return the hardware, thread count and library versions the numbers depend on."""
    info = {
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "device": str(device),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def _process_cpu_ticks() -> dict[int, tuple[str, int]]:
    """Return ``pid -> (command name, user + system CPU ticks)`` of every other process."""
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:  # The process ended while we listed /proc.
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        ticks[int(entry)] = (name, int(fields[11]) + int(fields[12]))
    return ticks


def _machine_busy_seconds() -> float:
    """Return the CPU seconds all processes spent busy since boot (``/proc/stat``, all CPUs)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class OtherLoad:
    """The CPU time that other processes used between :meth:`start` and :meth:`stop`.

    The total comes from the machine's busy time minus this process's own
    CPU time, so processes that start and end during the run count too. The
    list of the busiest processes only covers those alive at :meth:`stop`.
    """

    def start(self) -> None:
        self.before = _process_cpu_ticks()
        self.busy_before = _machine_busy_seconds()
        self.own_before = _own_cpu_seconds()
        self.load_before = os.getloadavg()
        self.started = time.perf_counter()

    def stop(self) -> dict:
        wall = time.perf_counter() - self.started
        own = _own_cpu_seconds() - self.own_before
        other = _machine_busy_seconds() - self.busy_before - own
        after = _process_cpu_ticks()
        per_second = os.sysconf("SC_CLK_TCK")
        used: dict[str, float] = {}
        for pid, (name, ticks) in after.items():
            earlier = self.before.get(pid, (name, 0))[1]
            used[name] = used.get(name, 0.0) + (ticks - earlier) / per_second
        busiest = sorted(used.items(), key=lambda item: -item[1])[:5]
        num_cpus = len(os.sched_getaffinity(0))
        return {
            "wall_seconds": wall,
            "own_cpu_seconds": own,
            "other_cpu_seconds": other,
            "other_share_of_machine": other / (wall * num_cpus),
            "busiest_other_processes_alive_at_end": [
                (name, round(seconds, 1)) for name, seconds in busiest if seconds > 0
            ],
            "load_average_before": self.load_before,
            "load_average_after": os.getloadavg(),
        }
