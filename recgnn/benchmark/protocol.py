"""Report sections that pin the protocol and environment: data, split, budget, metrics, configs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from omegaconf import OmegaConf

from recgnn.benchmark.format import markdown_table
from recgnn.evaluation import metrics as metric_module
from recgnn.models.registry import MODELS

if TYPE_CHECKING:
    from recgnn.benchmark.harness import BenchmarkOutcome

LOAD_NOTE = (
    "Times are wall-clock seconds on the machine of the Environment section, which may "
    "have run other jobs at the same time (its load average is listed there), so compare "
    "them as ratios within one report. `train s` includes the fitting of fitted models. "
    "Peak RSS is the peak resident set size of the run's process, including the Python "
    "and torch baseline. GPU peak is the peak CUDA memory allocated by torch."
)

MASKING_RULES = (
    "Full ranking: every item of the data set is a candidate for every user. Before the "
    "top K are taken, the scores of the user's training items are set to minus infinity "
    "when validating, and those of the training and validation items when testing. Test "
    "items never seen in training stay targets. Metrics average over users with at least "
    "one test item and at least one training interaction; users with test items but no "
    "training interaction are counted in the data set table and left out of the means."
)

DATASET_COLUMNS = [
    ("users", "data/num_users"),
    ("items", "data/num_items"),
    ("train", "data/num_train"),
    ("valid", "data/num_valid"),
    ("test", "data/num_test"),
    ("density", "data/density"),
    ("test rows, unseen user", "data/test_rows_unseen_user"),
    ("test rows, unseen item", "data/test_rows_unseen_item"),
    ("evaluated test users", "test/num_users"),
    ("test users without training rows", "test/num_users_no_train"),
]

BUDGET_KEYS = ("epochs", "patience", "eval_every", "monitor", "lr", "batch_size", "l2_reg",
               "device")  # fmt: skip


def protocol_section(outcome: BenchmarkOutcome) -> str:
    """Render the data set statistics, split and masking rules, budget, metrics and seeds."""
    return "\n\n".join([
        "## Protocol",
        "### Data sets", _dataset_table(outcome),
        "### Split and masking", _split_lines(outcome), MASKING_RULES,
        "### Training budget", _budget_table(outcome),
        "### Metric definitions", _metric_definitions(),
        "### Seeds", _seed_lines(outcome),
    ])  # fmt: skip


def environment_section(environment: dict) -> str:
    shown = dict(environment)
    shown["gpus"] = ", ".join(environment.get("gpus") or []) or "none"
    if environment.get("load_average"):
        shown["load_average"] = ", ".join(f"{x:.2f}" for x in environment["load_average"]) + (
            " (1, 5 and 15 minute means when the benchmark started)"
        )
    rows = [[key, str(shown.get(key, "unknown"))] for key in
            ("date", "commit", "dirty", "python", "platform", "cpu", "cpu_count", "gpus",
             "torch_threads", "load_average")]  # fmt: skip
    packages = environment.get("packages", {})
    return "\n\n".join([
        "## Environment",
        markdown_table(["", "value"], rows),
        markdown_table(["package", "version"], [[n, v] for n, v in packages.items()]),
    ])  # fmt: skip


def configs_section(outcome: BenchmarkOutcome) -> str:
    """Render the command, the benchmark config and each model's resolved recgnn-train config."""
    bench_yaml = OmegaConf.to_yaml(outcome.bench_cfg, resolve=True)
    parts = [
        "## Command and configs",
        f"```bash\n{outcome.command}\n```",
        f"Benchmark config:\n\n```yaml\n{bench_yaml}```",
        "Resolved recgnn-train config of each data set and model, for its first seed; the "
        "other seeds differ only in `seed` and the W&B run name.",
    ]
    seen = set()
    for job in outcome.jobs:
        if (job.dataset, job.model) in seen:
            continue
        seen.add((job.dataset, job.model))
        config_yaml = OmegaConf.to_yaml(job.config, resolve=True)
        parts.append(
            f"<details><summary>{job.dataset} / {job.model}: overrides "
            f"<code>{' '.join(job.overrides)}</code></summary>\n\n"
            f"```yaml\n{config_yaml}```\n\n</details>"
        )
    return "\n\n".join(parts)


def _dataset_table(outcome: BenchmarkOutcome) -> str:
    results = outcome.results[outcome.results["status"] == "finished"]
    shown = [(title, key) for title, key in DATASET_COLUMNS if key in results.columns]
    rows, notes = [], []
    for dataset, runs in results.groupby("dataset", sort=False):
        first = runs.iloc[0]
        rows.append([dataset, *(_format_stat(first[key]) for _, key in shown)])
        data_columns = [key for _, key in shown if key.startswith("data/")]
        if len(runs[data_columns].drop_duplicates()) > 1:
            notes.append(f"The runs on {dataset} do not all see the same data; the row "
                         "shows the first, `results.csv` has each.")  # fmt: skip
    table = markdown_table(["data set", *(title for title, _ in shown)], rows)
    return "\n\n".join([table, *notes]) if rows else "No run finished."


def _split_lines(outcome: BenchmarkOutcome) -> str:
    lines = []
    for dataset in dict.fromkeys(job.dataset for job in outcome.jobs):
        configs = [job.config for job in outcome.jobs if job.dataset == dataset]
        preprocessing = {k: v for k, v in _plain(configs[0].dataset).items() if k != "root"}
        split = _plain(configs[0].split)
        line = f"- `{dataset}`: preprocessing `{_inline(preprocessing)}`, split `{_inline(split)}`"
        if any(_plain(c.split) != split for c in configs):
            line += " (for the first run; some runs override the split, see the configs)"
        lines.append(line)
    return "\n".join(lines)


def _budget_table(outcome: BenchmarkOutcome) -> str:
    rows, seen = [], set()
    for job in outcome.jobs:
        if (job.dataset, job.model) in seen:
            continue
        seen.add((job.dataset, job.model))
        model_class = MODELS.get(job.config.model.name)
        if model_class is not None and not model_class.is_trainable:
            cells = ["fitted once, no epochs"] + [""] * (len(BUDGET_KEYS) - 1)
        else:
            cells = [str(job.config.trainer.get(key)) for key in BUDGET_KEYS]
        rows.append([job.dataset, f"`{job.model}`", *cells])
    headers = ["data set", "model", *(f"trainer.{key}" for key in BUDGET_KEYS)]
    return markdown_table(headers, rows)


def _metric_definitions() -> str:
    # The definitions live in the metrics module's docstring, so they cannot drift from it.
    docstring = (metric_module.__doc__ or "").strip().split("\n", 1)[-1].strip()
    return "\n\n".join([
        docstring,
        "coverage@K = |∪_u L_K(u)| / number of items, over the evaluated users.",
        "Every metric is computed at every K of `eval.topk` on the test split, with the "
        "best validated state of trained models (early stopping on `trainer.monitor`).",
    ])  # fmt: skip


def _seed_lines(outcome: BenchmarkOutcome) -> str:
    split_seeds = sorted({str(job.config.split.get("seed")) for job in outcome.jobs})
    model_seeds = ", ".join(str(seed) for seed in outcome.bench_cfg.seeds)
    text = (
        f"Model seeds {model_seeds} (`seed`: initialization, shuffling and negative "
        f"sampling). Split seed {', '.join(split_seeds)} (`split.seed`)."
    )
    if len(split_seeds) == 1:
        text += " Every model seed trains and tests on the same split."
    return text


def _plain(node) -> dict:
    return OmegaConf.to_container(node, resolve=True)


def _inline(values: dict) -> str:
    return ", ".join(f"{key}={json.dumps(value)}" for key, value in values.items())


def _format_stat(value) -> str:
    if value is None or value != value:  # NaN: the column is missing for this run
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.5f}"
    return f"{int(value):,}"
