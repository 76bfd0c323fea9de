"""``recgnn-data``: load, preprocess and split a data set and report its statistics.

Uses the same ``dataset`` and ``split`` config groups as ``recgnn-train``, so
it prints the numbers of the data that a training run with the same settings
uses. Writes ``stats.json`` into its run folder.

Examples::

    recgnn-data dataset=gowalla
    recgnn-data dataset=ml-100k split=given split.fold=a
    recgnn-data dataset=file dataset.path=clicks.csv.gz dataset.user_core=5
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.data.datamodule import prepare_data

log = logging.getLogger(__name__)

register_resolvers()


@hydra.main(config_path=config_dir(), config_name="data", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """Prepare the data of ``cfg``, print its statistics and write ``stats.json``."""
    stats = prepare_data(cfg).stats()
    stats["split"] = cfg.split.name
    path = Path(HydraConfig.get().runtime.output_dir) / "stats.json"
    path.write_text(json.dumps(stats, indent=2))
    print(format_statistics(stats))
    log.info("statistics written to %s", path)


def format_statistics(stats: dict) -> str:
    """Return the statistics as an aligned plain-text table."""
    lines = [
        f"dataset {stats['dataset']}, split {stats['split']}",
        _row("users", stats["num_users"]),
        _row("items", stats["num_items"]),
        _row("interactions", stats["num_interactions"]),
        f"  {'density':<38}{stats['density']:.6f}",
        _row("train", stats["num_train"]),
        _row("valid", stats["num_valid"]),
        _row("test", stats["num_test"]),
    ]
    if stats["split"] == "given":
        lines.append(_row("train + valid (given training file)",
                          stats["num_train"] + stats["num_valid"]))  # fmt: skip
    quantile_names = " / ".join(stats["user_degree"])
    lines.append(f"  training degree quantiles ({quantile_names}):")
    for side in ("user", "item"):
        values = " / ".join(f"{value:g}" for value in stats[f"{side}_degree"].values())
        lines.append(f"    {side + 's':<36}{values}")
    for part in ("valid", "test"):
        lines.append(f"  {part} rows whose user / item has no training row:")
        lines.append(
            f"    {'rows':<36}{stats[f'{part}_rows_unseen_user']:,} / "
            f"{stats[f'{part}_rows_unseen_item']:,}"
        )
        lines.append(
            f"    {'distinct users / items':<36}{stats[f'{part}_users_unseen']:,} / "
            f"{stats[f'{part}_items_unseen']:,}"
        )
    return "\n".join(lines)


def _row(label: str, value: int) -> str:
    return f"  {label:<38}{value:,}"


if __name__ == "__main__":
    main()
