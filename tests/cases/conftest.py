"""Fixtures shared by the fault-kind tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Graphs of a few dozen nodes only pay synchronization for intra-op threads, and
    # on cores shared with other jobs that made each training step many times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
