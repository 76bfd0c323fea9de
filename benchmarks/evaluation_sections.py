"""Evaluation-side measurements: full Gowalla ranking, the ranking ablation, a memory case."""

from __future__ import annotations

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.baselines import previous_rank_batch
from benchmarks.measure import measure_peak_memory, time_interleaved
from benchmarks.report import print_table
from benchmarks.workload import Workload

# Private helpers of the evaluator, imported only to time its per-batch ranking
# against the previous version on identical score blocks.
from recgnn.evaluation.evaluator import Evaluator, _is_target, _pair_keys, _rows_of, _user_csr
from recgnn.models.lightgcn import LightGCN

MEGABYTE = 2**20
EVAL_BATCH_SIZE = 1024  # The default eval.batch_size of conf/train.yaml.


def full_evaluation(work: Workload, repeats: int = 3) -> dict:
    """Evaluate every test user (recall and NDCG at 20, training items masked): time and memory."""
    model = work.trained_model if work.trained_model is not None else work.recgnn_model()
    train = work.interactions(work.train_users, work.train_items)
    test = work.interactions(work.test_users, work.test_items)
    evaluator = Evaluator(work.graph.num_items, [20], EVAL_BATCH_SIZE, device=work.device)

    def run():
        return evaluator.evaluate(model, test, [train])

    result, first_seconds, extra_bytes = measure_peak_memory(run, work.device)
    seconds = [first_seconds] + [
        t
        for t in time_interleaved({"eval": run}, repeats - 1, work.device, warmup=0)[
            "eval"
        ].seconds
    ]
    block_bytes = EVAL_BATCH_SIZE * work.graph.num_items * 4
    metrics = {"recall@20": result.metrics["recall@20"], "ndcg@20": result.metrics["ndcg@20"]}
    trained = "after one Trainer epoch" if work.trained_model is not None else "untrained model"
    print_table(
        f"Full-ranking evaluation of every test user ({trained})",
        [
            "users",
            "best s",
            "median s",
            "peak extra MB",
            "one score block MB",
            "recall@20",
            "ndcg@20",
        ],
        [
            [
                result.num_users_evaluated,
                f"{min(seconds):.2f}",
                f"{np.median(seconds):.2f}",
                f"{extra_bytes / MEGABYTE:.0f}",
                f"{block_bytes / MEGABYTE:.0f}",
                f"{metrics['recall@20']:.4f}",
                f"{metrics['ndcg@20']:.4f}",
            ]
        ],
    )
    return {
        "seconds": seconds,
        "peak_extra_bytes": extra_bytes,
        "score_block_bytes": block_bytes,
        "num_users": result.num_users_evaluated,
        **metrics,
    }


def evaluation_ablation(work: Workload, num_batches: int = 4, rounds: int = 3) -> dict:
    """Rank the same user batches with the previous per-batch code and the current one."""
    model = work.trained_model if work.trained_model is not None else work.recgnn_model()
    model.eval()
    model.prepare_scoring()
    num_users, num_items = work.graph.num_users, work.graph.num_items
    seen_csr = _user_csr(work.interactions(work.train_users, work.train_items), num_users)
    target_csr = _user_csr(work.interactions(work.test_users, work.test_items), num_users)
    target_keys = _pair_keys(target_csr, num_items).to(work.device)
    evaluator = Evaluator(num_items, [20], EVAL_BATCH_SIZE, device=work.device)
    users = torch.from_numpy(np.unique(work.test_users))[: num_batches * EVAL_BATCH_SIZE]
    batches = users.split(EVAL_BATCH_SIZE)

    def current():
        seen_on_device = tuple(part.to(work.device) for part in seen_csr)
        hits = []
        for batch in batches:
            on_device = batch.to(work.device)
            top_items = evaluator._rank_batch(model, on_device, [seen_on_device], 20)
            hits.append(_is_target(on_device, top_items, target_keys, num_items))
        return hits

    def previous():
        hits = []
        for batch in batches:
            scores = model.score_users(batch.to(work.device)).float()
            seen = [part.to(work.device) for part in _rows_of(seen_csr, batch)]
            target = [part.to(work.device) for part in _rows_of(target_csr, batch)]
            hits.append(previous_rank_batch(scores, *seen, *target, 20))
        return hits

    if not all(torch.equal(a, b) for a, b in zip(current(), previous(), strict=True)):
        raise AssertionError("the current and previous ranking code disagree on the hits")
    timings = time_interleaved({"previous": previous, "current": current}, rounds, work.device)
    memory = {
        name: measure_peak_memory(run, work.device)[2]
        for name, run in [("previous", previous), ("current", current)]
    }
    print_table(
        f"Ranking {len(users)} users in batches of {EVAL_BATCH_SIZE}: previous and current",
        ["code", "best s", "median s", "peak extra MB"],
        [
            [name, f"{t.best:.3f}", f"{t.median:.3f}", f"{memory[name] / MEGABYTE:.0f}"]
            for name, t in timings.items()
        ],
    )
    return {
        name: {"best": t.best, "median": t.median, "peak_extra_bytes": memory[name]}
        for name, t in timings.items()
    }


def evaluation_profile(work: Workload, num_users: int = 2048) -> str:
    """Return torch.profiler's operator table over the evaluation of ``num_users`` test users."""
    model = work.trained_model if work.trained_model is not None else work.recgnn_model()
    chosen = np.isin(work.test_users, np.unique(work.test_users)[:num_users])
    train = work.interactions(work.train_users, work.train_items)
    test = work.interactions(work.test_users[chosen], work.test_items[chosen])
    evaluator = Evaluator(work.graph.num_items, [20], EVAL_BATCH_SIZE, device=work.device)
    evaluator.evaluate(model, test, [train])

    activities = [ProfilerActivity.CPU]
    if work.device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as profiler:
        evaluator.evaluate(model, test, [train])
    sort_by = "self_cuda_time_total" if work.device.type == "cuda" else "self_cpu_time_total"
    table = profiler.key_averages().table(sort_by=sort_by, row_limit=10)
    print(f"### Profile of evaluating {num_users} test users\n\n```\n{table}\n```\n")
    return table


def evaluation_memory_case(device: torch.device, seed: int = 0) -> dict:
    """Evaluate 20,000 users over 30,000 items (16-d, batch 512), one train and test item each.

    One score block is 512 x 30,000 floats (61 MB); a dense users x items
    score matrix would be 2.4 GB.
    """
    num_users, num_items, batch_size = 20_000, 30_000, 512
    rng = np.random.default_rng(seed)
    items = np.stack([rng.choice(num_items, size=2, replace=False) for _ in range(num_users)])
    users = np.arange(num_users)
    arrays = {
        "train_users": users,
        "train_items": items[:, 0],
        "test_users": users,
        "test_items": items[:, 1],
        "num_users": num_users,
        "num_items": num_items,
    }
    work = Workload.from_arrays(arrays, device, seed)
    model = LightGCN(num_users, num_items, embedding_dim=16).to(device)
    model.fit(work.graph)
    evaluator = Evaluator(num_items, [20], batch_size, device=device)
    train = work.interactions(users, items[:, 0])
    test = work.interactions(users, items[:, 1])
    _, seconds, extra = measure_peak_memory(
        lambda: evaluator.evaluate(model, test, [train]), device
    )
    print_table(
        "Evaluation memory: 20,000 users x 30,000 items, 16-d, batch 512",
        ["seconds", "peak extra MB", "one score block MB", "dense matrix MB"],
        [
            [
                f"{seconds:.2f}",
                f"{extra / MEGABYTE:.0f}",
                f"{batch_size * num_items * 4 / MEGABYTE:.0f}",
                f"{num_users * num_items * 4 / MEGABYTE:.0f}",
            ]
        ],
    )
    return {"seconds": seconds, "peak_extra_bytes": extra}
