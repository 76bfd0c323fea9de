#!/usr/bin/env bash
# LightGCN on ML-100K, default split, three model seeds as one Hydra sweep.
# Usage: experiments/lightgcn_ml100k.sh [extra recgnn-train overrides]
set -euo pipefail
exec recgnn-train -m experiment=lightgcn_ml100k seed=1,2,3 trainer.progress_bar=false "$@"
