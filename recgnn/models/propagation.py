"""Layer-mean propagation over a symmetric sparse adjacency, with a backward pass that reuses it.

PyG's :func:`~torch_geometric.utils.spmm` does the sparse products. The
autograd function is written by hand because torch's built-in backward for
``sparse @ dense`` multiplies by the transpose of the sparse matrix. On CPU it
builds that transpose on every step, which sorts all stored entries and costs
more than the product itself. The normalized adjacency ``Â = D^-1/2 A D^-1/2``
of an undirected graph equals its transpose, so the backward pass multiplies
by ``Â`` itself.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable
from torch_geometric.utils import spmm


class LayerMeanPropagation(torch.autograd.Function):
    r"""The mean of ``L + 1`` propagation layers, differentiable in the embeddings.

    .. math::
        E = \frac{1}{L + 1} \sum_{k=0}^{L} \hat{A}^k E^{(0)}, \qquad
        \frac{\partial \ell}{\partial E^{(0)}}
            = \frac{1}{L + 1} \sum_{k=0}^{L} (\hat{A}^{\top})^k G
            = \frac{1}{L + 1} \sum_{k=0}^{L} \hat{A}^k G

    where ``G`` is the gradient of the loss ``ℓ`` with respect to ``E``. The
    second equality holds only because ``Â`` is symmetric. The backward pass
    evaluates the sum in Horner form, ``G + Â(G + Â(G + …))``, so forward and
    backward each cost ``L`` sparse products and nothing is saved for
    backward except ``Â``.

    Args (of :meth:`apply`):
        embedding: Layer-0 embeddings ``E^(0)``.
        adjacency: Symmetric sparse matrix ``Â`` (CSR is the fast layout on CPU).
        num_layers: ``L``, at least 0.

    Shapes:
        - ``embedding``: ``(num_nodes, embedding_dim)``
        - ``adjacency``: ``(num_nodes, num_nodes)``
        - output: ``(num_nodes, embedding_dim)``
    """

    @staticmethod
    def forward(ctx, embedding: Tensor, adjacency: Tensor, num_layers: int) -> Tensor:
        ctx.save_for_backward(adjacency)
        ctx.num_layers = num_layers
        layer = embedding
        total = embedding.clone()
        for _ in range(num_layers):
            layer = spmm(adjacency, layer)
            total.add_(layer)
        return total.div_(num_layers + 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None, None]:
        (adjacency,) = ctx.saved_tensors
        grad = grad_output
        for _ in range(ctx.num_layers):
            grad = spmm(adjacency, grad).add_(grad_output)
        return grad / (ctx.num_layers + 1), None, None


def layer_mean_propagation(embedding: Tensor, adjacency: Tensor, num_layers: int) -> Tensor:
    """Return the mean of ``Â^k embedding`` over ``k = 0 .. num_layers``.

    ``Â`` must be symmetric. This is not checked, because a check costs a
    transpose per call. :attr:`BipartiteGraph.normalized_adjacency` is
    symmetric by construction.
    """
    if num_layers < 0:
        raise ValueError(f"num_layers must be >= 0, got {num_layers}")
    if adjacency.device != embedding.device:
        raise ValueError(
            f"the adjacency is on {adjacency.device} but the embeddings are on "
            f"{embedding.device}; move both to one device first (model.to(device))"
        )
    return LayerMeanPropagation.apply(embedding, adjacency, num_layers)
