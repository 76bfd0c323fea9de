"""Per-run peak memory: the resident-set high-water mark and its reset."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from recgnn.training.resources import peak_memory, reset_peak_memory

CPU = torch.device("cpu")


def test_peak_rss_sees_allocation():
    reset_peak_memory(CPU)
    before = peak_memory(CPU)["peak_rss_mib"]
    block = np.ones(200 * 2**20 // 8)  # 200 MiB, touched so it is resident
    after = peak_memory(CPU)["peak_rss_mib"]
    del block

    assert after - before > 150


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reset needs Linux")
def test_reset_starts_new_window():
    block = np.ones(200 * 2**20 // 8)
    del block
    high = peak_memory(CPU)["peak_rss_mib"]

    reset_peak_memory(CPU)

    assert peak_memory(CPU)["peak_rss_mib"] < high - 150


def test_no_gpu_key_on_cpu():
    assert "gpu_peak_memory_mib" not in peak_memory(CPU)
