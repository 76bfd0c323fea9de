"""Model registry keyed by the config name (``model=<name>``)."""

from __future__ import annotations

import inspect

from omegaconf import DictConfig, OmegaConf

from recgnn.data.features import NodeFeatures
from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender
from recgnn.models.ease import EASE
from recgnn.models.graphsage import GraphSAGE
from recgnn.models.knn import ItemKNN, UserKNN
from recgnn.models.lightgcn import LightGCN
from recgnn.models.mf import MF
from recgnn.models.ngcf import NGCF
from recgnn.models.popularity import Popularity

MODELS: dict[str, type[Recommender]] = {
    "lightgcn": LightGCN,
    "graphsage": GraphSAGE,
    "ngcf": NGCF,
    "mf": MF,
    "pop": Popularity,
    "userknn": UserKNN,
    "itemknn": ItemKNN,
    "ease": EASE,
}

# Constructor arguments filled from the data, never from the model config.
DATA_ARGUMENTS = ("num_users", "num_items", "user_features", "item_features")


def uses_features(name: str) -> bool:
    """Return True when ``model=<name>`` reads the data set's profile features."""
    model_class = MODELS.get(name)
    return model_class is not None and (
        "user_features" in inspect.signature(model_class.__init__).parameters
    )


def build_model(
    model_cfg: DictConfig, graph: BipartiteGraph, features: NodeFeatures | None = None
) -> Recommender:
    """Instantiate ``model.name`` with the config's keys as constructor arguments.

    Every key of the model config except ``name`` must be a constructor
    argument, so a misspelt key fails here instead of being ignored. Models
    whose constructor takes ``user_features`` / ``item_features`` get the
    profile features of the data set (``None`` when it has none).
    """
    name = model_cfg.name
    if name not in MODELS:
        raise ValueError(
            f"unknown model.name={name!r}; available: {sorted(MODELS)} "
            "(select one with model=<name>)"
        )
    model_class = MODELS[name]
    kwargs = OmegaConf.to_container(model_cfg, resolve=True)
    kwargs.pop("name")
    accepted = set(inspect.signature(model_class.__init__).parameters) - {"self"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(
            f"model {name!r} has no option(s) {unknown}; accepted: "
            f"{sorted(accepted - set(DATA_ARGUMENTS))}"
        )
    if "user_features" in accepted:
        kwargs["user_features"] = None if features is None else features.user
        kwargs["item_features"] = None if features is None else features.item
    return model_class(num_users=graph.num_users, num_items=graph.num_items, **kwargs)
