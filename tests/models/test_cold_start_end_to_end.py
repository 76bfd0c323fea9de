"""GraphSAGE against LightGCN on ML-100K's item cold-start split, end to end."""

from __future__ import annotations

from hydra import compose, initialize_config_dir

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.training.pipeline import train_and_evaluate

# Expected recall@20 of a random ranking over all items on this split (exact value
# 0.0127, computed by benchmarks/cold_start.py).
CHANCE_RECALL_AT_20 = 0.0127


def cold_start_run(model: str, data_dir, run_dir) -> dict:
    register_resolvers()
    overrides = [f"model={model}", "split=cold_item", "trainer.negative_items=trained",
                 "trainer.epochs=4", "trainer.eval_every=2", "trainer.num_threads=1",
                 "dataset.cache=false", f"dataset.root={data_dir}", "logger=none",
                 "trainer.progress_bar=false"]  # fmt: skip
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    return train_and_evaluate(cfg, run_dir)


def test_graphsage_ranks_cold_items(data_dir, tmp_path):
    graphsage = cold_start_run("graphsage", data_dir, tmp_path / "graphsage")
    lightgcn = cold_start_run("lightgcn", data_dir, tmp_path / "lightgcn")
    assert graphsage["test/num_users"] > 900
    assert graphsage["test/recall@20"] > 2 * CHANCE_RECALL_AT_20
    assert lightgcn["test/recall@20"] < CHANCE_RECALL_AT_20
