"""Loaders, preprocessing, splits, the training graph and negative sampling."""

from recgnn.data.datamodule import PreparedData, prepare_data
from recgnn.data.graph import BipartiteGraph
from recgnn.data.interactions import Interactions
from recgnn.data.sampler import NegativeSampler

__all__ = ["BipartiteGraph", "Interactions", "NegativeSampler", "PreparedData", "prepare_data"]
