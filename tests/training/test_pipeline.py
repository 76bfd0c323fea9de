"""The run pipeline: raw ids in the outputs, profile features only for models that read them."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import torch
from hydra import compose, initialize_config_dir

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.training.pipeline import train_and_evaluate

register_resolvers()


def run_config(data_root, model: str):
    overrides = [f"model={model}", f"dataset.root={data_root}", "dataset.cache=false",
                 "logger=none", "trainer.progress_bar=false"]  # fmt: skip
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(config_name="train", overrides=overrides)


@pytest.fixture
def ml100k_without_one_profile(tmp_path, data_dir):
    folder = tmp_path / "ml-100k"
    shutil.copytree(data_dir / "ml-100k", folder)
    lines = (folder / "u.user").read_text().splitlines(keepends=True)
    (folder / "u.user").write_text("".join(lines[1:]))  # user 1 loses its profile row
    return tmp_path


def test_popularity_ignores_broken_profiles(ml100k_without_one_profile, tmp_path):
    metrics = train_and_evaluate(run_config(ml100k_without_one_profile, "pop"), tmp_path / "run")
    assert metrics["test/recall@20"] > 0.1


def test_graphsage_reports_missing_profile(ml100k_without_one_profile, tmp_path):
    cfg = run_config(ml100k_without_one_profile, "graphsage")
    with pytest.raises(ValueError, match=r"user profiles.* no row for 1 of 943 user ids"):
        train_and_evaluate(cfg, tmp_path / "run")


def test_outputs_carry_raw_ids(data_dir, tmp_path):
    train_and_evaluate(run_config(data_dir, "pop"), tmp_path / "run")
    per_user = pd.read_csv(tmp_path / "run" / "per_user_test.csv")
    checkpoint = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert list(per_user.columns[:2]) == ["user_index", "user_id"]
    ids = checkpoint["user_ids"]
    assert all(ids[index] == raw for index, raw in zip(per_user.user_index, per_user.user_id,
                                                       strict=True))  # fmt: skip
    assert sorted(ids) == list(range(1, 944))
