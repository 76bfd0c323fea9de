"""Model registry keyed by the config name (``model=<name>``)."""

from __future__ import annotations

import inspect

from omegaconf import DictConfig, OmegaConf

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender
from recgnn.models.lightgcn import LightGCN
from recgnn.models.popularity import Popularity

MODELS: dict[str, type[Recommender]] = {
    "lightgcn": LightGCN,
    "pop": Popularity,
}


def build_model(model_cfg: DictConfig, graph: BipartiteGraph) -> Recommender:
    """Instantiate ``model.name`` with the config's keys as constructor arguments.

    Every key of the model config except ``name`` must be a constructor
    argument, so a misspelt key fails here instead of being ignored.
    """
    name = model_cfg.name
    if name not in MODELS:
        raise ValueError(f"unknown model.name={name!r}; available: {sorted(MODELS)}")
    model_class = MODELS[name]
    kwargs = OmegaConf.to_container(model_cfg, resolve=True)
    kwargs.pop("name")
    accepted = set(inspect.signature(model_class.__init__).parameters) - {"self"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"model {name!r} has no option(s) {unknown}; accepted: "
            f"{sorted(accepted - {'num_users', 'num_items'})}"
        )
    return model_class(num_users=graph.num_users, num_items=graph.num_items, **kwargs)
