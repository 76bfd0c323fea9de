"""Mini-batches of sampled neighbourhoods around (user, item) pairs, via PyG's link loader.

With ``pyg-lib`` or ``torch-sparse`` installed, batches come from PyG's
:class:`~torch_geometric.loader.LinkNeighborLoader`. Its neighbour sampler
needs one of those compiled extensions, and neither comes with a plain
``pip install``: pyg-lib is not on PyPI, and torch-sparse must be compiled
against the installed torch. Without them, :class:`UniformNeighborSampler`
takes its place inside PyG's :class:`~torch_geometric.loader.LinkLoader`: the
same uniform sampling without replacement, written in plain torch.
"""

from __future__ import annotations

import torch
import torch_geometric.typing
from torch import Tensor
from torch_geometric.data import HeteroData
from torch_geometric.loader import LinkLoader, LinkNeighborLoader
from torch_geometric.sampler import (
    BaseSampler,
    EdgeSamplerInput,
    HeteroSamplerOutput,
    NeighborSampler,
    NodeSamplerInput,
)
from torch_geometric.sampler.neighbor_sampler import edge_sample, node_sample

from recgnn.models.hetero import RATES


def has_compiled_sampler() -> bool:
    """Return whether PyG's own neighbour sampler can run (pyg-lib or torch-sparse)."""
    return torch_geometric.typing.WITH_PYG_LIB or torch_geometric.typing.WITH_TORCH_SPARSE


class UniformNeighborSampler(BaseSampler):
    """Sample up to ``num_neighbors[hop]`` neighbours per node and hop, uniformly, in torch.

    The output follows PyG's :class:`~torch_geometric.sampler.HeteroSamplerOutput`
    convention, so PyG's ``LinkLoader`` turns it into a ``HeteroData`` batch:
    each sampled edge points from the neighbour (``row``) to the node that
    receives the message (``col``), in local indices of each node type; the
    seeds come first in each node type's ``n_id``.

    Args:
        data: Graph with ``num_nodes`` per node type and ``edge_index`` per edge type.
        num_neighbors: Neighbours per hop; ``-1`` keeps all neighbours.
    """

    def __init__(self, data: HeteroData, num_neighbors: list[int]):
        self.num_neighbors = list(num_neighbors)
        self.num_nodes = {node_type: data[node_type].num_nodes for node_type in data.node_types}
        self.edge_types = list(data.edge_types)
        # Per edge type, the sources of each destination node in CSC layout.
        self.colptr, self.source, self.edge_id = {}, {}, {}
        for edge_type in self.edge_types:
            source, target = data[edge_type].edge_index
            order = torch.argsort(target, stable=True)
            counts = torch.bincount(target, minlength=self.num_nodes[edge_type[-1]])
            self.colptr[edge_type] = torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
            self.source[edge_type] = source[order]
            self.edge_id[edge_type] = order

    def sample_from_nodes(self, inputs: NodeSamplerInput) -> HeteroSamplerOutput:
        return node_sample(inputs, self._sample)

    def sample_from_edges(
        self, inputs: EdgeSamplerInput, neg_sampling=None
    ) -> HeteroSamplerOutput:
        # PyG's edge_sample deduplicates the seeds and records edge_label_index.
        return edge_sample(inputs, self._sample, self.num_nodes, False, None, neg_sampling)

    def _sample(self, seed: dict[str, Tensor], seed_time=None) -> HeteroSamplerOutput:
        nodes = {t: [seed.get(t, torch.empty(0, dtype=torch.long))] for t in self.num_nodes}
        local = {t: torch.full((n,), -1, dtype=torch.long) for t, n in self.num_nodes.items()}
        for node_type, ids in seed.items():
            local[node_type][ids] = torch.arange(len(ids))
        rows = {edge_type: [] for edge_type in self.edge_types}
        cols = {edge_type: [] for edge_type in self.edge_types}
        edges = {edge_type: [] for edge_type in self.edge_types}
        frontier = dict(seed)
        for fanout in self.num_neighbors:
            reached: dict[str, list[Tensor]] = {}
            for edge_type in self.edge_types:
                source_type, _, target_type = edge_type
                targets = frontier.get(target_type)
                if targets is None or len(targets) == 0:
                    continue
                position, target_of = self._draw(edge_type, targets, fanout)
                sources = self.source[edge_type][position]
                new = torch.unique(sources[local[source_type][sources] < 0])
                count = sum(len(part) for part in nodes[source_type])
                local[source_type][new] = torch.arange(count, count + len(new))
                nodes[source_type].append(new)
                reached.setdefault(source_type, []).append(new)
                rows[edge_type].append(local[source_type][sources])
                cols[edge_type].append(local[target_type][targets[target_of]])
                edges[edge_type].append(self.edge_id[edge_type][position])
            frontier = {node_type: torch.cat(parts) for node_type, parts in reached.items()}
        return HeteroSamplerOutput(
            node={t: torch.cat(parts) for t, parts in nodes.items()},
            row={e: _cat_long(parts) for e, parts in rows.items()},
            col={e: _cat_long(parts) for e, parts in cols.items()},
            edge={e: _cat_long(parts) for e, parts in edges.items()},
        )

    def _draw(self, edge_type: tuple, targets: Tensor, fanout: int) -> tuple[Tensor, Tensor]:
        """Return the CSC positions of the drawn edges and the index of each one's target."""
        colptr = self.colptr[edge_type]
        starts = colptr[targets]
        degrees = colptr[targets + 1] - starts
        target_of = torch.repeat_interleave(torch.arange(len(targets)), degrees)
        group_start = torch.repeat_interleave(torch.cumsum(degrees, 0) - degrees, degrees)
        offset = torch.arange(len(target_of)) - group_start
        position = starts[target_of] + offset
        if fanout < 0:
            return position, target_of
        # A random order within each target's neighbours; keep the first `fanout`.
        order = torch.argsort(torch.rand(len(position)))
        order = order[torch.argsort(target_of[order], stable=True)]
        keep = offset < fanout  # offsets are ranks again once grouped by target
        return position[order][keep], target_of[order][keep]

    @property
    def edge_permutation(self) -> None:
        # Edge ids in the output are already those of the input graph.
        return None


def _cat_long(parts: list[Tensor]) -> Tensor:
    return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long)


def build_sampler(data: HeteroData, num_neighbors: list[int]) -> BaseSampler:
    """Return PyG's compiled neighbour sampler when available, else the torch fallback.

    NOTE: the compiled branch runs only where pyg-lib or torch-sparse is
    installed, which the test machines lack, so the tests cover the fallback.
    """
    if has_compiled_sampler():
        return NeighborSampler(data, num_neighbors=num_neighbors)
    return UniformNeighborSampler(data, num_neighbors)


def sample_pairs(
    data: HeteroData,
    sampler: BaseSampler,
    user_index: Tensor,
    item_index: Tensor,
) -> HeteroData:
    """Return one batch: the sampled neighbourhood of the given (user, item) pairs.

    ``batch[RATES].edge_label_index`` contains the local (user, item) of each
    pair, in input order, and ``batch[node_type].n_id`` the global node ids.
    """
    pairs = torch.stack([user_index.cpu(), item_index.cpu()])
    options = dict(edge_label_index=(RATES, pairs), batch_size=pairs.size(1), shuffle=False)
    if isinstance(sampler, NeighborSampler):
        loader = LinkNeighborLoader(
            data, sampler.num_neighbors, neighbor_sampler=sampler, **options
        )
    else:
        loader = LinkLoader(data, link_sampler=sampler, **options)
    return loader(torch.arange(pairs.size(1)))
