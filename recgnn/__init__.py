"""recgnn: graph neural network recommendation with full-ranking evaluation."""

__version__ = "0.1.0"
