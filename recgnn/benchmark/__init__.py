"""Benchmark harness: a grid of models × data sets × seeds, run and reported reproducibly.

``recgnn.benchmark.harness.run_benchmark`` is the entry point. ``grid`` expands
the config and ``runner`` runs each job in its own process and folder. Then
``collect``, ``significance``, ``plots`` and ``report`` turn the runs into the
report. The package imports nothing at load time, so a run's worker process
stays light.
"""
