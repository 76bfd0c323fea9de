"""Batched full-ranking evaluation and the top-K metrics."""

from recgnn.evaluation.evaluator import EvaluationResult, Evaluator
from recgnn.evaluation.metrics import METRICS, per_user_metrics

__all__ = ["METRICS", "EvaluationResult", "Evaluator", "per_user_metrics"]
