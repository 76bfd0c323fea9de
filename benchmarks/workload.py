"""One benchmark data set: its graph, sampler, batches and recgnn's own training step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch
from torch import Tensor

from benchmarks.baselines import Batch, previous_normalized_adjacency
from recgnn.data.graph import BipartiteGraph
from recgnn.data.interactions import Interactions
from recgnn.data.sampler import NegativeSampler
from recgnn.models.lightgcn import LightGCN
from recgnn.training.loss import bpr_loss
from recgnn.training.trainer import build_adam

# The LightGCN paper's settings for Gowalla.
EMBEDDING_DIM = 64
NUM_LAYERS = 3
LEARNING_RATE = 1e-3
L2_REG = 1e-4


@dataclass
class Workload:
    """Training and test pairs of one data set, prepared once for every measurement."""

    train_users: np.ndarray
    train_items: np.ndarray
    test_users: np.ndarray
    test_items: np.ndarray
    graph: BipartiteGraph
    device: torch.device
    rng: np.random.Generator
    sampler: NegativeSampler
    # Layer-0 embeddings that every compared model starts from, so losses match.
    initial_weight: Tensor
    trained_model: LightGCN | None = field(default=None, repr=False)

    @classmethod
    def from_arrays(cls, arrays: dict, device: torch.device, seed: int) -> Workload:
        num_users, num_items = arrays["num_users"], arrays["num_items"]
        train_users, train_items = arrays["train_users"], arrays["train_items"]
        graph = BipartiteGraph(
            torch.from_numpy(train_users), torch.from_numpy(train_items), num_users, num_items
        )
        torch.manual_seed(seed)
        weight = torch.randn(num_users + num_items, EMBEDDING_DIM, device=device) * 0.1
        sampler = NegativeSampler(train_users, train_items, num_users, num_items)
        return cls(
            train_users,
            train_items,
            arrays["test_users"],
            arrays["test_items"],
            graph,
            device,
            np.random.default_rng(seed),
            sampler,
            weight,
        )

    @cached_property
    def adjacency(self) -> Tensor:
        """Â as recgnn builds it now (int32 CSR), on the device."""
        return self.graph.normalized_adjacency.to(self.device)

    @cached_property
    def previous_adjacency(self) -> Tensor:
        """Â as recgnn built it before (int64 CSR), on the device."""
        return previous_normalized_adjacency(self.graph).to(self.device)

    def batch(self, batch_size: int) -> Batch:
        """Draw ``batch_size`` training pairs and one negative each, as tensors on the device."""
        rows = self.rng.integers(0, len(self.train_users), size=batch_size)
        users, positives = self.train_users[rows], self.train_items[rows]
        negatives = self.sampler.sample(users, self.rng)
        return tuple(
            torch.from_numpy(part).to(self.device) for part in (users, positives, negatives)
        )

    def recgnn_model(self) -> LightGCN:
        model = LightGCN(self.graph.num_users, self.graph.num_items, EMBEDDING_DIM, NUM_LAYERS)
        model.to(self.device)
        with torch.no_grad():
            model.embedding.weight.copy_(self.initial_weight)
        model.fit(self.graph)
        return model

    def recgnn_step(self) -> tuple[LightGCN, Callable[[Batch], Tensor]]:
        """Return recgnn's LightGCN and the Trainer's step on it (same calls as ``Trainer``)."""
        model = self.recgnn_model()
        optimizer = build_adam(model.parameters(), LEARNING_RATE)

        def step(batch: Batch) -> Tensor:
            pos_scores, neg_scores, penalty = model.pair_scores(*batch)
            loss = bpr_loss(pos_scores, neg_scores) + L2_REG * penalty
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training loss became {loss.item()}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            return loss.detach()

        return model, step

    def interactions(self, users: np.ndarray, items: np.ndarray) -> Interactions:
        return Interactions(
            user_index=users,
            item_index=items,
            user_ids=np.arange(self.graph.num_users),
            item_ids=np.arange(self.graph.num_items),
        )
