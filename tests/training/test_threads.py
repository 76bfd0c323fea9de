"""trainer.num_threads: torch's intra-op thread count, validated before it is applied."""

from __future__ import annotations

import pytest
import torch

from recgnn.training.seed import apply_num_threads


def test_positive_count_is_applied():
    before = torch.get_num_threads()
    try:
        apply_num_threads(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_null_keeps_current_count():
    before = torch.get_num_threads()
    apply_num_threads(None)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_invalid_count_rejected(bad):
    with pytest.raises(ValueError, match="trainer.num_threads must be a positive integer or null"):
        apply_num_threads(bad)
