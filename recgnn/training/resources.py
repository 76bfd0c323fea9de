"""Peak memory of one run: the process's resident set size and, on CUDA, the device memory."""

from __future__ import annotations

import logging
import resource
import sys
from pathlib import Path

import torch

log = logging.getLogger(__name__)

_PROC_STATUS = Path("/proc/self/status")
_PROC_CLEAR_REFS = Path("/proc/self/clear_refs")


def reset_peak_memory(device: torch.device) -> None:
    """Start a new peak-memory window for the process and, on CUDA, for ``device``.

    On Linux (kernel 4.0 or later) writing ``5`` to ``/proc/self/clear_refs``
    resets the resident-set high-water mark ``VmHWM`` to the current size, so
    two runs in one process each get their own peak. Elsewhere the peak stays
    the process's lifetime maximum.
    """
    try:
        _PROC_CLEAR_REFS.write_text("5")
    except OSError:
        log.debug("cannot reset the peak RSS; it covers the whole process lifetime")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory(device: torch.device) -> dict[str, float]:
    """Return ``peak_rss_mib`` and, on CUDA, ``gpu_peak_memory_mib`` (allocated by torch)."""
    peak = {"peak_rss_mib": _peak_rss_bytes() / 2**20}
    if device.type == "cuda":
        peak["gpu_peak_memory_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    return peak


def _peak_rss_bytes() -> float:
    try:
        for line in _PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) * 1024  # the kernel reports kB
    except OSError:
        pass
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(max_rss if sys.platform == "darwin" else max_rss * 1024)
