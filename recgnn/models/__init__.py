"""The model zoo: every model scores a batch of users against all items."""

from recgnn.models.base import Recommender
from recgnn.models.lightgcn import LightGCN
from recgnn.models.popularity import Popularity
from recgnn.models.registry import MODELS, build_model

__all__ = ["MODELS", "LightGCN", "Popularity", "Recommender", "build_model"]
