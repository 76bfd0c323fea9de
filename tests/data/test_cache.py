"""Processed-data cache: hits skip parsing, changes invalidate, killed writes never load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from recgnn.data import datamodule
from recgnn.data.cache import ProcessedCache
from recgnn.data.datamodule import DatasetLoader, prepare_data
from tests.conftest import REPO_ROOT
from tests.data.configs import file_dataset, raw_pairs, write_text

LOG = "user,item,rating\na,x,5\na,y,3\nb,x,4\nb,z,2\nc,y,5\nc,z,1\n"


class ParseCalled(RuntimeError):
    pass


@pytest.fixture
def log_path(tmp_path):
    return write_text(tmp_path / "log.csv", LOG)


@pytest.fixture
def forbid_parsing(monkeypatch):
    """Make any later read of a ``dataset=file`` log raise ParseCalled."""

    def install():
        original = datamodule.DATASET_LOADERS["file"]

        def reject_read(files, dataset_cfg, split_cfg):
            raise ParseCalled(f"parsed {files[0]}")

        monkeypatch.setitem(
            datamodule.DATASET_LOADERS, "file", DatasetLoader(original.locate, reject_read)
        )

    return install


def test_second_run_skips_parsing(log_path, forbid_parsing):
    cfg = file_dataset(log_path, "dataset.rating_column=rating")
    first = prepare_data(cfg)
    forbid_parsing()
    second = prepare_data(cfg)

    for part in ("train", "valid", "test"):
        assert raw_pairs(getattr(first.split, part)) == raw_pairs(getattr(second.split, part))
    assert np.array_equal(first.graph.edge_index, second.graph.edge_index)


@pytest.mark.parametrize(
    "changed", ["split.seed=7", "dataset.min_rating=3", "dataset.duplicates=last",
                "split=leave_one_out", "dataset.rating_column=null"],
)  # fmt: skip
def test_changed_setting_invalidates(log_path, forbid_parsing, changed):
    prepare_data(file_dataset(log_path, "dataset.rating_column=rating"))
    forbid_parsing()
    with pytest.raises(ParseCalled):
        prepare_data(file_dataset(log_path, "dataset.rating_column=rating", changed))


def test_changed_raw_file_invalidates(log_path):
    cfg = file_dataset(log_path, "split.ratios=[1.0,0.0,0.0]")
    assert len(prepare_data(cfg).split.train) == 6
    write_text(log_path, LOG + "d,x,4\n")
    stat = log_path.stat()
    os.utime(log_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    assert len(prepare_data(cfg).split.train) == 7


def test_cache_off_always_parses(log_path, forbid_parsing):
    cfg = file_dataset(log_path, "dataset.cache=false")
    prepare_data(cfg)
    forbid_parsing()
    with pytest.raises(ParseCalled):
        prepare_data(cfg)


def test_corrupt_entry_is_rebuilt(log_path, tmp_path, caplog):
    cfg = file_dataset(log_path)
    prepare_data(cfg)
    (entry,) = (tmp_path / "processed-cache").glob("file-*.pkl")
    entry.write_bytes(entry.read_bytes()[:40])

    data = prepare_data(cfg)
    assert "ignoring unreadable cache entry" in caplog.text
    assert len(data.split.train) + len(data.split.valid) + len(data.split.test) == 6


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from recgnn.data.cache import ProcessedCache

    class Blocker:
        def __reduce__(self):
            print("writing", flush=True)
            time.sleep(120)
            return (int, ())

    # 4 MB come first, so part of the entry is on disk when the writer blocks.
    ProcessedCache(Path(sys.argv[1])).store("toy", "k1", [b"x" * (1 << 22), Blocker()])
    """
)


def test_killed_writer_leaves_no_loadable_entry(tmp_path):
    folder = tmp_path / "cache"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True,
        cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "writing"
        partials = list(folder.glob("*.part"))
        assert len(partials) == 1
        assert partials[0].stat().st_size > 0
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()

    cache = ProcessedCache(folder)
    assert cache.load("toy", "k1") is None
    assert not cache.path("toy", "k1").exists()
    cache.store("toy", "k1", ["complete"])
    assert cache.load("toy", "k1") == ["complete"]


def test_interrupted_store_removes_partial(tmp_path, monkeypatch):
    cache = ProcessedCache(tmp_path)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("recgnn.data.cache.pickle.dump", interrupt)
    with pytest.raises(KeyboardInterrupt):
        cache.store("toy", "k1", ["data"])
    assert list(tmp_path.iterdir()) == []
