"""NGCF propagation against the per-node message equations of Wang et al. (SIGIR 2019)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from recgnn.models.ngcf import NGCF
from tests.models import tiny

# Tiny graphs train faster on one thread (see conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")

PAIRS = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0), (2, 2), (2, 3)]
NUM_USERS, NUM_ITEMS = 3, 4


def neighbours_of(node: int) -> list[int]:
    """Neighbours of a node in the combined numbering (items after users)."""
    found = []
    for user, item in PAIRS:
        if node == user:
            found.append(NUM_USERS + item)
        if node == NUM_USERS + item:
            found.append(user)
    return found


def per_node_layer(model: NGCF, layer: int, embeddings: torch.Tensor) -> torch.Tensor:
    """Compute one NGCF layer node by node, from the message equations of Wang et al.

    m_{u<-u} = W1 e_u; m_{u<-i} = (W1 e_i + W2 (e_i * e_u)) / sqrt(|N_u| |N_i|);
    e_u' = LeakyReLU(m_{u<-u} + sum_i m_{u<-i} + b1 + b2), each bias once per node.
    """
    w1, b1 = model.sum_transforms[layer].weight, model.sum_transforms[layer].bias
    w2, b2 = model.interaction_transforms[layer].weight, model.interaction_transforms[layer].bias
    rows = []
    for node in range(NUM_USERS + NUM_ITEMS):
        message = F.linear(embeddings[node], w1) + b1 + b2
        for other in neighbours_of(node):
            norm = math.sqrt(len(neighbours_of(node)) * len(neighbours_of(other)))
            interaction = embeddings[other] * embeddings[node]
            message = (
                message + (F.linear(embeddings[other], w1) + F.linear(interaction, w2)) / norm
            )
        rows.append(F.leaky_relu(message, model.negative_slope))
    return torch.stack(rows)


def test_ngcf_layers_match_per_node_messages():
    torch.manual_seed(0)
    model = NGCF(NUM_USERS, NUM_ITEMS, embedding_dim=4, layer_dims=[3, 2], message_dropout=0.0)
    model.fit(tiny.graph(PAIRS, NUM_USERS, NUM_ITEMS))
    model.eval()
    with torch.no_grad():
        final = model.propagate()
        layer0 = model.embedding.weight
        layer1 = per_node_layer(model, 0, layer0)
        layer2 = per_node_layer(model, 1, layer1)
        expected = torch.cat([layer0, F.normalize(layer1, dim=1), F.normalize(layer2, dim=1)], 1)
    assert final.shape == (NUM_USERS + NUM_ITEMS, 4 + 3 + 2)
    torch.testing.assert_close(final, expected, rtol=1e-5, atol=1e-6)


def test_ngcf_message_dropout_only_in_training():
    torch.manual_seed(0)
    model = NGCF(NUM_USERS, NUM_ITEMS, embedding_dim=4, layer_dims=[4], message_dropout=0.5)
    model.fit(tiny.graph(PAIRS, NUM_USERS, NUM_ITEMS))
    model.eval()
    torch.testing.assert_close(model.propagate(), model.propagate())
    model.train()
    assert not torch.equal(model.propagate(), model.propagate())


@pytest.mark.parametrize("layer_dims", [[64, 0], [64.0], [True]])
def test_ngcf_rejects_bad_layer_dims(layer_dims):
    with pytest.raises(ValueError, match=r"model\.layer_dims must be a list of positive integers"):
        NGCF(3, 4, layer_dims=layer_dims)


def test_ngcf_rejects_bad_dropout():
    with pytest.raises(ValueError, match=r"model\.message_dropout must be in \[0, 1\)"):
        NGCF(3, 4, message_dropout=1.0)
