"""trainer.device: names that torch cannot parse are rejected with the config path."""

from __future__ import annotations

import pytest
import torch

from recgnn.training.seed import resolve_device


@pytest.mark.parametrize("name", ["gpu", "cuda:x", ""])
def test_unknown_device_names_config_path(name):
    with pytest.raises(ValueError) as raised:
        resolve_device(name)
    message = str(raised.value)
    assert message == (
        f"invalid trainer.device={name!r}; expected auto, cpu, cuda or cuda:N, "
        "e.g. trainer.device=cpu"
    )


def test_cpu_and_auto_resolve():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
