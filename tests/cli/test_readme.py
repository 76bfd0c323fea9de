"""The README's commands, config groups and model defaults match the shipped configs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir

from recgnn.cli.bench import check_report_target
from recgnn.cli.config_path import config_dir, register_resolvers
from tests.conftest import REPO_ROOT

CONF = Path(config_dir())
README = (REPO_ROOT / "README.md").read_text()
register_resolvers()


def readme_commands(program: str) -> list[list[str]]:
    """Return the arguments of every README shell line that runs ``program``, minus comments."""
    # An optional environment assignment such as RECGNN_DATA_DIR=... comes first.
    pattern = re.compile(rf"^(?:[A-Z_]+=\S* )*{re.escape(program)}(?: |$)")
    code_lines = "\n".join(re.findall(r"^```bash\n(.*?)^```", README, re.S | re.M))
    commands = []
    for line in code_lines.splitlines():
        match = pattern.match(line)
        if match:
            commands.append(shlex.split(line[match.end() :], comments=True))
    return commands


def compose_app(config_name: str, overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name=config_name, overrides=overrides)


def first_sweep_value(override: str) -> str:
    # "seed=1,2,3" -> "seed=1"; lists in brackets keep their commas.
    key, _, value = override.partition("=")
    return override if "[" in value else f"{key}={value.split(',')[0]}"


def table_rows(header: str) -> list[list[str]]:
    """Return the cells of the Markdown table whose header line starts with ``header``."""
    lines = README.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_readme_runs_every_program():
    for program in ("recgnn-train", "recgnn-data", "recgnn-bench"):
        assert readme_commands(program), program


@pytest.mark.parametrize("args", readme_commands("recgnn-train"), ids=" ".join)
def test_train_example_composes_and_monitors_computed_metric(args):
    overrides = [first_sweep_value(a) for a in args if a != "-m"]
    cfg = compose_app("train", overrides)
    cutoff = int(cfg.trainer.monitor.rsplit("@", 1)[1])
    assert cutoff in cfg.eval.topk, f"trainer.monitor={cfg.trainer.monitor} not in eval.topk"


@pytest.mark.parametrize("args", readme_commands("recgnn-data"), ids=" ".join)
def test_data_example_composes(args):
    compose_app("data", args)


@pytest.mark.parametrize("args", readme_commands("recgnn-bench"), ids=" ".join)
def test_bench_example_composes_and_keeps_preset_reports(args):
    overrides = [a for a in args if a not in ("--cfg", "job")]
    cfg = compose_app("bench", overrides)
    check_report_target(overrides, cfg.name, cfg.report_dir)


def test_group_table_matches_conf_folders():
    rows = table_rows("| group | options |")
    groups = {row[0].strip("`"): re.findall(r"`([^`]+)`", row[1]) for row in rows}
    assert set(groups) == {"dataset", "split", "model", "trainer", "logger", "experiment"}
    for group, options in groups.items():
        shipped = sorted(path.stem for path in (CONF / group).glob("*.yaml"))
        assert sorted(options) == shipped, group


def test_model_table_defaults_match_conf():
    rows = table_rows("| `model=` |")
    assert sorted(row[0].strip("`") for row in rows) == sorted(
        path.stem for path in (CONF / "model").glob("*.yaml")
    )
    for row in rows:
        name, documented = row[0].strip("`"), row[-1]
        shipped = yaml.safe_load((CONF / "model" / f"{name}.yaml").read_text())
        shipped.pop("name")
        # Cells read "`key` (default)" or "`key` (default; note)".
        pairs = dict(re.findall(r"`(\w+)` \(([^;)]+)", documented))
        assert set(pairs) == set(shipped), name
        for key, value in pairs.items():
            assert value == yaml.safe_dump(shipped[key], default_flow_style=True).split("\n")[0]
