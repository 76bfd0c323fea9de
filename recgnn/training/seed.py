"""Seeding and device selection."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch, and return a NumPy generator for sampling."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {seed!r}; for example seed=2020")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def resolve_device(name: str) -> torch.device:
    """Turn ``trainer.device`` (``auto``, ``cpu``, ``cuda``, ``cuda:1`` ...) into a device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        # torch's own message lists all of its two dozen device types.
        raise ValueError(
            f"invalid trainer.device={name!r}; expected auto, cpu, cuda or cuda:N, "
            "e.g. trainer.device=cpu"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"trainer.device={name!r} but CUDA is not available; use trainer.device=cpu"
        )
    return device


def apply_num_threads(num_threads: int | None) -> None:
    """Set torch's intra-op thread count from ``trainer.num_threads``; ``None`` keeps the default.

    On a machine whose cores are shared with other busy processes, one
    thread can be faster than one per core: each parallel region waits for
    its slowest thread, and an oversubscribed core delays it.
    """
    if num_threads is None:
        return
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(
            f"trainer.num_threads must be a positive integer or null, got {num_threads!r}; "
            "for example trainer.num_threads=1"
        )
    torch.set_num_threads(num_threads)
