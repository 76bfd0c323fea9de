"""Processed-data cache: the split after loading, preprocessing and splitting, on disk.

An entry's key hashes every raw file's resolved path, size and modification
time together with the whole dataset and split configs, so changing a setting
or a raw file starts a new entry. Entries are written under a temporary name
and renamed only when complete, so a run killed while writing never leaves a
file that a later run loads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from recgnn.data.download import default_cache_dir
from recgnn.data.split import Split

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "RECGNN_CACHE_DIR"
# Part of every key. Bump it whenever a loader, preprocessing step or splitter
# changes its output for the same input, so old entries are no longer used.
CACHE_FORMAT_VERSION = 1
# A partial file this old belongs to a run that died while writing it.
STALE_PARTIAL_SECONDS = 24 * 3600
# Dataset keys that do not change the processed data.
KEYS_OUTSIDE_KEY = ("cache",)


def processed_cache_dir() -> Path:
    """Return the cache folder: ``$RECGNN_CACHE_DIR``, else ``<user cache>/processed``."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    return default_cache_dir() / "processed"


def cache_key(raw_files: list[Path], dataset_cfg: DictConfig, split_cfg: DictConfig) -> str:
    """Return the hex key of the processed data for these raw files and settings."""
    dataset = OmegaConf.to_container(dataset_cfg, resolve=True)
    for name in KEYS_OUTSIDE_KEY:
        dataset.pop(name, None)
    files = []
    for path in raw_files:
        status = Path(path).stat()
        files.append([str(Path(path).resolve()), status.st_size, status.st_mtime_ns])
    description = {
        "format": CACHE_FORMAT_VERSION,
        "files": files,
        "dataset": dataset,
        "split": OmegaConf.to_container(split_cfg, resolve=True),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ProcessedCache:
    """A folder of processed splits, one pickle file per key.

    NOTE: loading unpickles the file, so the folder must be writable by its
    owner only; never point ``$RECGNN_CACHE_DIR`` at a shared, writable place.

    Args:
        folder: Where entries live (default :func:`processed_cache_dir`).
    """

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else processed_cache_dir()

    def path(self, name: str, key: str) -> Path:
        return self.folder / f"{name}-{key}.pkl"

    def load(self, name: str, key: str) -> Split | None:
        """Return the cached split, or ``None`` when there is no complete, matching entry."""
        path = self.path(name, key)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as handle:
                payload = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as error:
            log.warning("ignoring unreadable cache entry %s (%s); rebuilding it", path, error)
            return None
        if not isinstance(payload, dict) or payload.get("key") != key:
            log.warning("ignoring cache entry %s: it does not hold key %s", path, key)
            return None
        return payload["split"]

    def store(self, name: str, key: str, split: Split) -> Path | None:
        """Write the split atomically; return its path, or ``None`` when writing failed.

        A failed write (full disk, read-only folder) only costs the next run
        a rebuild, so it is logged and not raised.
        """
        path = self.path(name, key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._remove_stale_partials()
            handle, partial = tempfile.mkstemp(prefix=path.name + ".", suffix=".part",
                                               dir=self.folder)  # fmt: skip
        except OSError as error:
            log.warning("cannot write the cache entry %s (%s); the next run rebuilds it",
                        path, error)  # fmt: skip
            return None
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump({"key": key, "split": split}, out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except OSError as error:
            log.warning("cannot write the cache entry %s (%s); the next run rebuilds it",
                        path, error)  # fmt: skip
            return None
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        log.info("stored the processed data in %s", path)
        return path

    def _remove_stale_partials(self) -> None:
        # Another process may be writing a young partial file right now, so
        # only files that have not changed for a day are removed.
        deadline = time.time() - STALE_PARTIAL_SECONDS
        for partial in self.folder.glob("*.part"):
            try:
                if partial.stat().st_mtime < deadline:
                    partial.unlink()
            except OSError:
                pass  # Removed by another process meanwhile.
