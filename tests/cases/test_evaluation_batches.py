"""Full-ranking evaluation gives the same metrics at every batch size and holds one score block.

Every model of the registry is scored in user batches of 1, 2, 7 and more
than the number of users, and the metrics and per-user values must not change.
For memory, 20,000 users x 30,000 items at batch 512 need one 61 MB score
block, never the 2.4 GB users x items matrix.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from recgnn.evaluation.evaluator import Evaluator
from tests.cases.builders import MODEL_VARIANTS, build_variant, fit_briefly
from tests.conftest import REPO_ROOT
from tests.factories import random_prepared

BATCH_SIZES = [1, 2, 7, 10_000]


@pytest.mark.parametrize("variant", MODEL_VARIANTS)
def test_metrics_independent_of_batch_size(variant):
    data = random_prepared(num_users=20, num_items=30, per_user=8, seed=3)
    torch.manual_seed(0)
    model = build_variant(variant, data)
    fit_briefly(model, data, np.random.default_rng(0))
    split = data.split

    results = [
        Evaluator(data.num_items, [1, 5, 10], batch_size=size).evaluate(
            model, split.test, [split.train, split.valid]
        )
        for size in BATCH_SIZES
    ]  # fmt: skip
    reference = results[0]
    for size, result in zip(BATCH_SIZES[1:], results[1:], strict=True):
        assert result.metrics == pytest.approx(reference.metrics, abs=1e-12), size
        for key, values in reference.per_user.items():
            np.testing.assert_allclose(result.per_user[key], values, atol=1e-12, err_msg=key)


# Runs in a fresh process, so the peak resident size belongs to this evaluation alone.
MEMORY_SCRIPT = """
import numpy as np, torch
from recgnn.data.graph import BipartiteGraph
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.lightgcn import LightGCN
from recgnn.training.resources import peak_memory, reset_peak_memory
from tests.factories import interactions

num_users, num_items = 20_000, 30_000
rng = np.random.default_rng(0)
train_items = rng.integers(0, num_items, num_users)
test_items = (train_items + rng.integers(1, num_items, num_users)) % num_items
users = list(range(num_users))
train = interactions(list(zip(users, train_items.tolist())), num_users, num_items)
test = interactions(list(zip(users, test_items.tolist())), num_users, num_items)
model = LightGCN(num_users, num_items, embedding_dim=16)
model.fit(BipartiteGraph.from_interactions(train))
model.eval()
model.prepare_scoring()
device = torch.device("cpu")
reset_peak_memory(device)
before = peak_memory(device)["peak_rss_mib"]
result = Evaluator(num_items, [20], batch_size=512).evaluate(model, test, [train])
print(peak_memory(device)["peak_rss_mib"] - before, result.num_users_evaluated)
"""


@pytest.mark.slow
def test_evaluation_memory_one_score_block():
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    extra_mib, evaluated = done.stdout.split()
    assert int(evaluated) == 20_000
    # One block is 512 x 30,000 float32 = 59 MiB; a users x items matrix 2,289 MiB.
    assert float(extra_mib) < 400
