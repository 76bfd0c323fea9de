"""GraphSAGE (Hamilton et al., "Inductive Representation Learning on Large Graphs",
NeurIPS 2017) on the user–item graph, with profile features for inductive cold start."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn import HeteroConv, SAGEConv

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender, check_embedding_dim
from recgnn.models.hetero import ITEM, RATED_BY, RATES, USER, adjacencies, known_edges, to_hetero
from recgnn.models.neighbor_sampling import build_sampler, sample_pairs


class GraphSAGE(Recommender):
    r"""GraphSAGE over user and item node types, scored by dot product.

    Each node starts from its profile features and, optionally, a learned id
    embedding. Each layer updates every node from itself and the mean of its
    neighbours (users from items, items from users), with PyG's
    :class:`~torch_geometric.nn.conv.SAGEConv` in a
    :class:`~torch_geometric.nn.conv.HeteroConv`:

    .. math::
        h_v^{(0)} = W_{\text{type}(v)} x_v + \mathbb{1}[\deg v > 0]\, e_v, \qquad
        h_v^{(l+1)} = \sigma\big(W_1^{(l)} h_v^{(l)}
            + W_2^{(l)} \operatorname{mean}_{w \in N(v)} h_w^{(l)}\big), \qquad
        \hat{y}_{ui} = h_u^{(L)\top} h_i^{(L)}

    with :math:`\sigma` a ReLU between layers and none after the last.
    A node without training edges (a cold user or item) has no neighbours
    and no trained id embedding, so it is represented by its features alone:
    this is what makes the model inductive.

    Training is full-batch (every step propagates over the whole graph)
    unless ``sampling`` is on. Then each BPR batch propagates only over the
    sampled neighbourhood of its users, positives and negatives, drawn with
    PyG's link-neighbour loader (``num_neighbors`` per hop), so a step's
    cost grows with the batch size and fan-out instead of the graph size.
    Scoring for evaluation always propagates over the full graph, once per
    evaluation and without gradients.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        user_features: Profile features per user, or ``None`` (default).
        item_features: Profile features per item, or ``None`` (default).
        embedding_dim: Size of every hidden layer and the output (default ``64``).
        num_layers: SAGE layers ``L`` (default ``2``).
        use_features: Use the profile features (default ``True``); needs both tensors.
        use_id_embedding: Add a learned embedding per trained node (default ``True``).
        dropout: Dropout between layers during training (default ``0.0``).
        cold_dropout: Probability that a node is hidden in a training step: its
            edges and id embedding are dropped, as for a cold node (default
            ``0.5``). Training on such positives teaches the model to score
            from features alone, following Volkovs et al., "DropoutNet:
            Addressing Cold Start in Recommender Systems", NeurIPS 2017.
        sampling: Train on sampled neighbourhoods instead of the full graph
            (default ``False``).
        num_neighbors: Neighbours sampled per hop when ``sampling`` is on, one
            entry per layer, ``-1`` for all (default ``[10] * num_layers``).
        init_std: Standard deviation of the id embeddings' normal initialization
            (default ``0.1``).

    Shapes:
        - ``user_features``: ``(num_users, num_user_features)``
        - ``item_features``: ``(num_items, num_item_features)``
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
    """

    def __init__(
        self,
        num_users: int,
        num_items: int,
        user_features: Tensor | None = None,
        item_features: Tensor | None = None,
        embedding_dim: int = 64,
        num_layers: int = 2,
        use_features: bool = True,
        use_id_embedding: bool = True,
        dropout: float = 0.0,
        cold_dropout: float = 0.5,
        sampling: bool = False,
        num_neighbors: list[int] | None = None,
        init_std: float = 0.1,
    ):
        super().__init__()
        _check_options(num_layers, use_features, use_id_embedding, user_features, item_features)
        for key, value in (("dropout", dropout), ("cold_dropout", cold_dropout)):
            if not 0.0 <= value < 1.0:
                raise ValueError(f"model.{key} must be in [0, 1), got {value!r}; e.g. 0.1")
        num_neighbors = [10] * num_layers if num_neighbors is None else list(num_neighbors)
        if len(num_neighbors) != num_layers:
            raise ValueError(
                f"model.num_neighbors={num_neighbors} needs one entry per layer "
                f"(model.num_layers={num_layers}); e.g. model.num_neighbors={[10] * num_layers}"
            )
        check_embedding_dim(embedding_dim)
        self.num_users = num_users
        self.num_items = num_items
        self.use_features = use_features
        self.use_id_embedding = use_id_embedding
        self.dropout = dropout
        self.cold_dropout = cold_dropout
        self.sampling = sampling
        self.num_neighbors = num_neighbors
        self.init_std = init_std

        self.encoders = torch.nn.ModuleDict()
        if use_features:
            self.register_buffer("user_features", user_features.float(), persistent=False)
            self.register_buffer("item_features", item_features.float(), persistent=False)
            self.encoders[USER] = torch.nn.Linear(user_features.size(1), embedding_dim)
            self.encoders[ITEM] = torch.nn.Linear(item_features.size(1), embedding_dim)
        self.id_embeddings = torch.nn.ModuleDict()
        if use_id_embedding:
            self.id_embeddings[USER] = torch.nn.Embedding(num_users, embedding_dim)
            self.id_embeddings[ITEM] = torch.nn.Embedding(num_items, embedding_dim)
        # Which nodes have training edges; fit() sets them from the graph.
        self.register_buffer("user_trained", torch.ones(num_users, dtype=torch.bool), False)
        self.register_buffer("item_trained", torch.ones(num_items, dtype=torch.bool), False)
        self.convs = torch.nn.ModuleList(
            HeteroConv({
                RATES: SAGEConv((embedding_dim, embedding_dim), embedding_dim),
                RATED_BY: SAGEConv((embedding_dim, embedding_dim), embedding_dim),
            })
            for _ in range(num_layers)
        )  # fmt: skip
        self._final: dict[str, Tensor] | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for embedding in self.id_embeddings.values():
            torch.nn.init.normal_(embedding.weight, std=self.init_std)
        for encoder in self.encoders.values():
            encoder.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self.user_trained = (graph.user_degree > 0).to(self.user_trained.device)
        self.item_trained = (graph.item_degree > 0).to(self.item_trained.device)
        self.hetero_graph = to_hetero(graph)
        self.full_adjacency = adjacencies(self.hetero_graph.edge_index_dict, self._num_nodes())
        self.sampler = (
            build_sampler(self.hetero_graph, self.num_neighbors) if self.sampling else None
        )

    def input_embeddings(self, node_type: str, node_id: Tensor, known: Tensor) -> Tensor:
        """Return :math:`h^{(0)}` of the given nodes; ``known`` marks who gets an id embedding."""
        parts = []
        if self.use_features:
            features = self.user_features if node_type == USER else self.item_features
            parts.append(self.encoders[node_type](features[node_id]))
        if self.use_id_embedding:
            ids = self.id_embeddings[node_type](node_id)
            parts.append(ids * known[node_id].unsqueeze(1))
        return torch.stack(parts).sum(0)

    def propagate(
        self, x: dict[str, Tensor], edge_index: dict[tuple, Tensor]
    ) -> dict[str, Tensor]:
        """Run the SAGE layers on a (sub)graph and return the output of the last one."""
        for position, conv in enumerate(self.convs):
            x = conv(x, edge_index)
            if position < len(self.convs) - 1:
                x = {key: F.dropout(F.relu(value), self.dropout, self.training)
                     for key, value in x.items()}  # fmt: skip
        return x

    def pair_scores(
        self, user_index: Tensor, pos_index: Tensor, neg_index: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        known = self._known_nodes(simulate_cold=True)
        if self.sampling:
            users, pos, neg = self._sampled_pair_embeddings(
                user_index, pos_index, neg_index, known
            )
        else:
            output = self._full_graph_embeddings(known)
            users = output[USER][user_index]
            pos, neg = output[ITEM][pos_index], output[ITEM][neg_index]
        layer0 = (
            self.input_embeddings(USER, user_index, known[USER]).pow(2).sum()
            + self.input_embeddings(ITEM, pos_index, known[ITEM]).pow(2).sum()
            + self.input_embeddings(ITEM, neg_index, known[ITEM]).pow(2).sum()
        )
        return (users * pos).sum(-1), (users * neg).sum(-1), layer0 / (2 * len(user_index))

    def _num_nodes(self) -> dict[str, int]:
        return {USER: self.num_users, ITEM: self.num_items}

    def _known_nodes(self, simulate_cold: bool) -> dict[str, Tensor]:
        """Return which users and items keep their edges and id embedding in this pass.

        Nodes without training edges are never known. In training, each node is
        also hidden with probability ``cold_dropout``, so the model trains on
        positives that look like cold nodes.
        """
        known = {USER: self.user_trained, ITEM: self.item_trained}
        if simulate_cold and self.training and self.cold_dropout > 0:
            known = {key: mask & (torch.rand(mask.shape, device=mask.device) >= self.cold_dropout)
                     for key, mask in known.items()}  # fmt: skip
        return known

    def _full_graph_embeddings(self, known: dict[str, Tensor]) -> dict[str, Tensor]:
        device = self.user_trained.device
        x = {node_type: self.input_embeddings(node_type, torch.arange(count, device=device),
                                              known[node_type])
             for node_type, count in self._num_nodes().items()}  # fmt: skip
        if known[USER] is self.user_trained and known[ITEM] is self.item_trained:
            adjacency = self.full_adjacency
        else:
            edge_index = known_edges(self.hetero_graph.edge_index_dict, known)
            adjacency = adjacencies(edge_index, self._num_nodes())
        return self.propagate(x, {key: value.to(device) for key, value in adjacency.items()})

    def _sampled_pair_embeddings(
        self, user_index: Tensor, pos_index: Tensor, neg_index: Tensor, known: dict[str, Tensor]
    ) -> tuple[Tensor, Tensor, Tensor]:
        # One sampled subgraph contains both the (user, positive) and (user, negative) pairs.
        batch_size = len(user_index)
        batch = sample_pairs(
            self.hetero_graph, self.sampler,
            torch.cat([user_index, user_index]), torch.cat([pos_index, neg_index]),
        )  # fmt: skip
        batch = batch.to(self.user_trained.device)
        node_id = {node_type: batch[node_type].n_id for node_type in (USER, ITEM)}
        x = {node_type: self.input_embeddings(node_type, ids, known[node_type])
             for node_type, ids in node_id.items()}  # fmt: skip
        local_known = {node_type: known[node_type][ids] for node_type, ids in node_id.items()}
        output = self.propagate(x, known_edges(batch.edge_index_dict, local_known))
        local_user, local_item = batch[RATES].edge_label_index
        users = output[USER][local_user[:batch_size]]
        items = output[ITEM][local_item]
        return users, items[:batch_size], items[batch_size:]

    def prepare_scoring(self) -> None:
        with torch.no_grad():
            self._final = self._full_graph_embeddings(self._known_nodes(simulate_cold=False))

    def score_users(self, user_index: Tensor) -> Tensor:
        if self._final is None:
            self.prepare_scoring()
        return self._final[USER][user_index] @ self._final[ITEM].T

    def train(self, mode: bool = True) -> GraphSAGE:
        # Cached embeddings go stale as soon as training resumes.
        self._final = None
        return super().train(mode)


def _check_options(
    num_layers: int,
    use_features: bool,
    use_id_embedding: bool,
    user_features: Tensor | None,
    item_features: Tensor | None,
) -> None:
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"model.num_layers must be a positive integer, got {num_layers!r}")
    if not use_features and not use_id_embedding:
        raise ValueError(
            "model.use_features=false and model.use_id_embedding=false leave GraphSAGE "
            "without any node input; enable at least one"
        )
    if use_features and (user_features is None or item_features is None):
        raise ValueError(
            "model.use_features=true, but this data set has no user and item profile "
            "features (GraphSAGE needs both); set model.use_features=false to use id "
            "embeddings only, or pick a data set with profiles, e.g. dataset=ml-100k"
        )
