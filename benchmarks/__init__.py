"""Speed, memory and accuracy benchmarks, run as modules: ``python -m benchmarks.speed``."""
