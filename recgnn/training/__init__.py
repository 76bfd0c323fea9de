"""Training: the BPR loss, the epoch loop, early stopping and the full run pipeline."""
