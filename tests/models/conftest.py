"""Fixtures shared by the model tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """Run a test module with one torch thread, restoring the count afterwards.

    The training tests use graphs of a few dozen nodes, where intra-op
    threads only add synchronization; on a loaded two-core machine they made
    each training step about 25 times slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
