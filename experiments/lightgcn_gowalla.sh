#!/usr/bin/env bash
# LightGCN on Gowalla with the published protocol and hyperparameters.
# Usage: experiments/lightgcn_gowalla.sh [extra recgnn-train overrides]
# Example: RECGNN_DATA_DIR=../shared/data experiments/lightgcn_gowalla.sh trainer.device=cuda
set -euo pipefail
# Validation is off (published protocol), so the last of the 1000 epochs is tested.
exec recgnn-train experiment=lightgcn_gowalla trainer.progress_bar=false "$@"
