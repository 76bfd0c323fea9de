"""Cost of one sparse product ``Â @ X`` against node count, edge count and node order.

Every product is timed two ways, interleaved:

- ``spmm``: ``torch_geometric.utils.spmm``, the call recgnn's propagation
  makes. Torch (2.13, CPU, MKL) allocates a zero-filled result and a second
  result it copies into, both ``(num_nodes, 64)``, on every call.
- ``into a buffer``: ``torch.addmm(out, Â, X, beta=0, out=out)`` into a
  buffer allocated once, which leaves only the product's own reads and writes.

Their difference is the per-call allocation cost. It depends on the number
of nodes, and on whether a table is large enough for the C library to map
fresh memory for it, but not on the number of edges.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch_geometric.utils import spmm

from benchmarks.measure import time_interleaved
from benchmarks.node_orders import NodeIds, degree_ids, rcm_ids, shuffled_ids
from benchmarks.report import print_table
from benchmarks.synthetic import EDGES_PER_ITEM, EDGES_PER_USER, power_law_graph
from benchmarks.workload import EMBEDDING_DIM
from recgnn.data.graph import BipartiteGraph

SPMM = "spmm"
BUFFER = "into a buffer"
MEBIBYTE = 2**20
CPU = torch.device("cpu")


def adjacency(users: np.ndarray, items: np.ndarray, num_users: int, num_items: int) -> Tensor:
    """Return Â of the bipartite graph as recgnn builds it (int32 CSR)."""
    graph = BipartiteGraph(torch.from_numpy(users), torch.from_numpy(items), num_users, num_items)
    return graph.normalized_adjacency


def time_products(matrices: dict[str, Tensor], rounds: int, with_spmm: bool = True) -> dict:
    """Time one product of each matrix with a random ``(num_nodes, 64)`` input, interleaved.

    Matrices with the same node count share one input and one output buffer,
    so that only the matrices add memory per graph.
    """
    inputs: dict[int, Tensor] = {}
    outputs: dict[int, Tensor] = {}
    runners = {}
    for label, matrix in matrices.items():
        num_nodes = matrix.shape[0]
        if num_nodes not in inputs:
            inputs[num_nodes] = torch.randn(num_nodes, EMBEDDING_DIM)
            outputs[num_nodes] = torch.empty(num_nodes, EMBEDDING_DIM)
        x, out = inputs[num_nodes], outputs[num_nodes]
        _check_buffered_product(matrix, x, out)
        if with_spmm:
            runners[f"{label}|{SPMM}"] = lambda m=matrix, x=x: spmm(m, x)
        runners[f"{label}|{BUFFER}"] = lambda m=matrix, x=x, o=out: torch.addmm(
            o, m, x, beta=0, out=o
        )
    timings = time_interleaved(runners, rounds, CPU, warmup=1)

    results = {
        label: {"num_nodes": m.shape[0], "directed_edges": m._nnz()}
        for label, m in matrices.items()
    }
    for key, timing in timings.items():
        label, kind = key.split("|")
        results[label][kind] = {"best": timing.best, "median": timing.median}
    return results


def _check_buffered_product(matrix: Tensor, x: Tensor, out: Tensor) -> None:
    """Check that the buffered product equals ``spmm`` and ignores the buffer's old values."""
    out.fill_(float("nan"))
    torch.addmm(out, matrix, x, beta=0, out=out)
    if not torch.allclose(out, spmm(matrix, x), atol=1e-6):
        raise AssertionError("torch.addmm into a buffer disagrees with spmm")


def _controlled_graph(num_pairs: int, num_nodes: int, seed: int) -> Tensor:
    """Return Â of a power-law graph with ``num_pairs`` drawn pairs over ``num_nodes`` nodes.

    Users and items split the nodes in Gowalla's proportion (20 : 27).
    """
    num_users = num_nodes * EDGES_PER_ITEM // (EDGES_PER_USER + EDGES_PER_ITEM)
    num_items = num_nodes - num_users
    users, items, _, _ = power_law_graph(num_pairs, seed, num_users=num_users, num_items=num_items)
    return adjacency(users, items, num_users, num_items)


def _cost_rows(results: dict) -> list[list]:
    rows = []
    for result in results.values():
        edges, nodes = result["directed_edges"], result["num_nodes"]
        called, buffered = result[SPMM]["best"], result[BUFFER]["best"]
        rows.append(
            [
                f"{nodes:,}",
                f"{nodes * EMBEDDING_DIM * 4 / MEBIBYTE:.0f}",
                f"{edges:,}",
                f"{1000 * called:.1f}",
                f"{1000 * buffered:.1f}",
                f"{1e9 * called / edges:.0f}",
                f"{1e9 * buffered / edges:.0f}",
                f"{1000 * (called - buffered):.1f}",
            ]
        )
    return rows


COST_HEADER = [
    "nodes",
    "table MiB",
    "directed edges",
    f"{SPMM} ms",
    f"{BUFFER} ms",
    f"{SPMM} ns per edge",
    f"{BUFFER} ns per edge",
    "allocation ms",
]


def nodes_at_fixed_edges(num_pairs: int, node_counts: list[int], rounds: int, seed: int) -> dict:
    """Time one product per node count, with the number of drawn pairs fixed.

    Fewer nodes give more duplicate pairs, so the distinct edges drop a little.
    """
    matrices = {f"{n} nodes": _controlled_graph(num_pairs, n, seed) for n in node_counts}
    results = time_products(matrices, rounds)
    print_table(
        f"One product, {num_pairs:,} drawn pairs, node count varied (best of {rounds})",
        COST_HEADER,
        _cost_rows(results),
    )
    return results


def edges_at_fixed_nodes(num_nodes: int, pair_counts: list[int], rounds: int, seed: int) -> dict:
    """Time one product per number of drawn pairs at a fixed node count, and fit a line.

    The fit is ``time = intercept + slope * edges``. The intercept is the cost
    per product that does not depend on the edges.
    """
    matrices = {f"{p} pairs": _controlled_graph(p, num_nodes, seed) for p in pair_counts}
    results = time_products(matrices, rounds)
    edges = np.array([r["directed_edges"] for r in results.values()], dtype=np.float64)
    fits = {}
    for kind in (SPMM, BUFFER):
        seconds = np.array([r[kind]["best"] for r in results.values()])
        slope, intercept = np.polyfit(edges, seconds, 1)
        fits[kind] = {"intercept_seconds": intercept, "slope_seconds_per_edge": slope}
    fit_rows = [
        [
            "linear fit",
            "",
            "",
            f"{1000 * fits[SPMM]['intercept_seconds']:.1f} + "
            f"{1e9 * fits[SPMM]['slope_seconds_per_edge']:.0f} ns × edges",
            f"{1000 * fits[BUFFER]['intercept_seconds']:.1f} + "
            f"{1e9 * fits[BUFFER]['slope_seconds_per_edge']:.0f} ns × edges",
            "",
            "",
            "",
        ]
    ]
    print_table(
        f"One product, {num_nodes:,} nodes, drawn pairs varied (best of {rounds})",
        COST_HEADER,
        _cost_rows(results) + fit_rows,
    )
    return {"sizes": results, "fit": fits}


def _relabel(arrays: dict, ids: NodeIds) -> Tensor:
    new_user, new_item = ids
    return adjacency(
        new_user[arrays["train_users"]],
        new_item[arrays["train_items"]],
        arrays["num_users"],
        arrays["num_items"],
    )


def _check_same_product(original: Tensor, reordered: Tensor, ids: NodeIds) -> None:
    """Check that the reordered Â is the same operator: ``(P Â Pᵀ)(P x) = P (Â x)``."""
    new_node_id = torch.from_numpy(np.concatenate([ids[0], ids[1] + len(ids[0])]))
    x = torch.randn(original.shape[0], EMBEDDING_DIM)
    moved_x = torch.empty_like(x)
    moved_x[new_node_id] = x
    if not torch.allclose(spmm(reordered, moved_x)[new_node_id], spmm(original, x), atol=1e-5):
        raise AssertionError("the reordered adjacency is not a relabelling of the original")


def reordered_matrices(arrays: dict, name: str, seed: int, with_shuffle: bool) -> dict:
    """Return Â of one graph in its given node order and in shuffled, degree and RCM orders."""
    original = _relabel(arrays, (np.arange(arrays["num_users"]), np.arange(arrays["num_items"])))
    edge_list = (
        arrays["train_users"],
        arrays["train_items"],
        arrays["num_users"],
        arrays["num_items"],
    )
    orders = {"degree": degree_ids(*edge_list), "RCM": rcm_ids(*edge_list)}
    if with_shuffle:
        orders = {
            "shuffled": shuffled_ids(arrays["num_users"], arrays["num_items"], seed),
            **orders,
        }
    matrices = {f"{name}, ids as given": original}
    for order, ids in orders.items():
        matrices[f"{name}, {order}"] = _relabel(arrays, ids)
        _check_same_product(original, matrices[f"{name}, {order}"], ids)
    return matrices


def node_order_effect(matrices: dict[str, Tensor], rounds: int, with_spmm: bool) -> dict:
    """Time each graph in several node orders, interleaved, against its ids as given."""
    results = time_products(matrices, rounds, with_spmm)
    rows = []
    baseline = {}
    for label, result in results.items():
        graph = label.split(",")[0]
        buffered = result[BUFFER]["best"]
        baseline.setdefault(graph, buffered)
        called = f"{1000 * result[SPMM]['best']:.1f}" if with_spmm else "not run"
        rows.append(
            [
                label,
                f"{result['directed_edges']:,}",
                called,
                f"{1000 * buffered:.1f}",
                f"{1e9 * buffered / result['directed_edges']:.0f}",
                f"{baseline[graph] / buffered:.2f}",
            ]
        )
    print_table(
        f"One product by node order (best of {rounds})",
        [
            "graph, order",
            "directed edges",
            f"{SPMM} ms",
            f"{BUFFER} ms",
            f"{BUFFER} ns per edge",
            "speed-up over ids as given",
        ],
        rows,
    )
    return results
