"""Locate the Hydra config folder for the entry points."""

from __future__ import annotations

import secrets
from pathlib import Path

from omegaconf import OmegaConf


def config_dir() -> str:
    """Return the absolute path of the ``conf/`` folder.

    An installed wheel carries it as ``recgnn/conf``. A source checkout (or an
    editable install) has it at the repository root beside ``recgnn/``.
    """
    package_root = Path(__file__).resolve().parents[1]
    for candidate in (package_root / "conf", package_root.parent / "conf"):
        if (candidate / "train.yaml").is_file():
            return str(candidate)
    raise FileNotFoundError(
        f"recgnn's config folder was not found in {package_root / 'conf'} or "
        f"{package_root.parent / 'conf'}; reinstall the package with `pip install .`"
    )


def register_resolvers() -> None:
    """Register ``${run_suffix:}``, a per-process random suffix for output folders.

    Hydra's default folders have one-second resolution, so two runs started in
    the same second would share one. The suffix is cached, so every lookup in
    one process returns the same value.
    """
    if not OmegaConf.has_resolver("run_suffix"):
        OmegaConf.register_new_resolver("run_suffix", lambda: secrets.token_hex(3), use_cache=True)
