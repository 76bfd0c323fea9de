"""``recgnn-train``: train and evaluate one model, configured by Hydra.

Examples::

    recgnn-train
    recgnn-train model=pop
    recgnn-train model.num_layers=2 trainer.lr=0.005 logger=none
    recgnn-train -m model=lightgcn,pop seed=1,2
"""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.training.pipeline import train_and_evaluate

register_resolvers()


@hydra.main(config_path=config_dir(), config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Run one training job and return the validation metric a sweep optimizes."""
    metrics = train_and_evaluate(cfg, HydraConfig.get().runtime.output_dir)
    return metrics.get(cfg.trainer.monitor, float("nan"))


if __name__ == "__main__":
    main()
