"""The model zoo: every model scores a batch of users against all items."""

from recgnn.models.base import Recommender
from recgnn.models.ease import EASE
from recgnn.models.graphsage import GraphSAGE
from recgnn.models.knn import ItemKNN, UserKNN
from recgnn.models.lightgcn import LightGCN
from recgnn.models.mf import MF
from recgnn.models.ngcf import NGCF
from recgnn.models.popularity import Popularity
from recgnn.models.registry import MODELS, build_model

__all__ = [
    "EASE",
    "MF",
    "MODELS",
    "NGCF",
    "GraphSAGE",
    "ItemKNN",
    "LightGCN",
    "Popularity",
    "Recommender",
    "UserKNN",
    "build_model",
]
