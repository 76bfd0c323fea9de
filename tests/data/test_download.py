"""Downloads from a local HTTP server: verified archives, safe extraction, plain files."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import zipfile

import pytest

from recgnn.data import lightgcn_format, movielens
from recgnn.data.datamodule import prepare_data
from recgnn.data.download import DatasetNotFoundError
from tests.data.configs import compose_data, write_text

ML1M_MEMBERS = {
    "ml-1m/ratings.dat": "1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n",
    "ml-1m/users.dat": "1::F::1::10::48067\n2::M::56::16::70072\n",
    "ml-1m/movies.dat": "10::Heat (1995)::Action|Crime\n20::Toy Story (1995)::Animation\n",
}


@pytest.fixture
def server(tmp_path):
    """Serve ``tmp_path / "served"`` on 127.0.0.1 and yield ``(folder, base_url)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so.
        pass


def write_zip(path, members: dict[str, str]) -> str:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_ml1m_downloaded_verified_and_extracted(server, tmp_path, monkeypatch):
    served, base_url = server
    md5 = write_zip(served / "ml-1m.zip", ML1M_MEMBERS)
    monkeypatch.setattr(movielens, "ML1M_URL", f"{base_url}/ml-1m.zip")
    monkeypatch.setattr(movielens, "ML1M_MD5", md5)
    root = tmp_path / "root"
    cfg = compose_data("dataset=ml-1m", f"dataset.root={root}", "split.ratios=[1.0,0.0,0.0]")
    data = prepare_data(cfg)

    assert len(data.split.train) == 3
    assert sorted(p.name for p in (root / "ml-1m").iterdir()) == [
        "movies.dat", "ratings.dat", "users.dat",
    ]  # fmt: skip
    assert not (root / "ml-1m.zip").exists()
    # A second call reads the extracted copy: the server may be gone.
    (served / "ml-1m.zip").unlink()
    assert movielens.locate_ml1m(root) == root / "ml-1m"


def test_checksum_mismatch_leaves_nothing(server, tmp_path, monkeypatch):
    served, base_url = server
    write_zip(served / "ml-1m.zip", ML1M_MEMBERS)
    monkeypatch.setattr(movielens, "ML1M_URL", f"{base_url}/ml-1m.zip")
    root = tmp_path / "root"
    # ML1M_MD5 stays GroupLens' published checksum, which the test archive cannot match.
    with pytest.raises(
        ValueError,
        match=r"checksum mismatch for .*ml-1m.zip: MD5 [0-9a-f]{32}, "
        r"expected c4d9eecfca2ab87c1945afe126590906",
    ):
        movielens.locate_ml1m(root)
    assert list(root.iterdir()) == []


def test_escaping_zip_member_rejected(server, tmp_path, monkeypatch):
    served, base_url = server
    md5 = write_zip(served / "ml-1m.zip", {**ML1M_MEMBERS, "../../escaped.txt": "owned"})
    monkeypatch.setattr(movielens, "ML1M_URL", f"{base_url}/ml-1m.zip")
    monkeypatch.setattr(movielens, "ML1M_MD5", md5)
    root = tmp_path / "deep" / "root"
    with pytest.raises(ValueError, match=r"unsafe archive member '../../escaped.txt'"):
        movielens.locate_ml1m(root)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "deep" / "escaped.txt").exists()
    assert list(root.iterdir()) == []


def test_lightgcn_files_downloaded(server, tmp_path, monkeypatch):
    served, base_url = server
    write_text(served / "yelp2018" / "train.txt", "0 0 1\n1 1 2\n")
    write_text(served / "yelp2018" / "test.txt", "0 2\n1 0\n")
    monkeypatch.setattr(lightgcn_format, "LIGHTGCN_BASE_URL", base_url)
    root = tmp_path / "root"
    cfg = compose_data("dataset=yelp2018", f"dataset.root={root}", "split.valid_ratio=0")
    stats = prepare_data(cfg).stats()

    assert (stats["num_train"], stats["num_test"]) == (4, 2)
    assert (root / "yelp2018" / "train.txt").read_text() == "0 0 1\n1 1 2\n"


def test_missing_file_on_server_names_fix(server, tmp_path, monkeypatch):
    served, base_url = server
    write_text(served / "amazon-book" / "train.txt", "0 0 1\n")  # test.txt is missing
    monkeypatch.setattr(lightgcn_format, "LIGHTGCN_BASE_URL", base_url)
    root = tmp_path / "root"
    with pytest.raises(
        DatasetNotFoundError,
        match=r"data set 'amazon-book' not found.*"
        r"dataset.root=/path/to/data",
    ):
        lightgcn_format.locate_lightgcn("amazon-book", root)
    # Neither a partial folder nor a stray file that a later run would accept.
    assert not (root / "amazon-book").exists()
    assert [p.name for p in root.iterdir()] == []


@pytest.mark.parametrize("dataset", ["ml-1m", "gowalla"])
def test_incomplete_user_folder_never_replaced(server, tmp_path, monkeypatch, dataset):
    served, base_url = server
    monkeypatch.setattr(movielens, "ML1M_URL", f"{base_url}/ml-1m.zip")
    monkeypatch.setattr(movielens, "ML1M_MD5", write_zip(served / "ml-1m.zip", ML1M_MEMBERS))
    write_text(served / "gowalla" / "train.txt", "0 0 1\n")
    write_text(served / "gowalla" / "test.txt", "0 2\n")
    monkeypatch.setattr(lightgcn_format, "LIGHTGCN_BASE_URL", base_url)
    # The user's own folder: one required file present, plus a file of their own.
    root = tmp_path / "root"
    present = "ratings.dat" if dataset == "ml-1m" else "train.txt"
    missing = "users.dat" if dataset == "ml-1m" else "test.txt"
    write_text(root / dataset / present, "the user's edited copy\n")
    write_text(root / dataset / "NOTES.md", "my notes\n")

    with pytest.raises(
        DatasetNotFoundError,
        match=rf"{root / dataset} exists but lacks .*{missing}.*move .* away to download",
    ):
        prepare_data(compose_data(f"dataset={dataset}", f"dataset.root={root}"))
    assert sorted(p.name for p in (root / dataset).iterdir()) == ["NOTES.md", present]
    assert (root / dataset / present).read_text() == "the user's edited copy\n"


def test_failed_download_message_names_root_option(tmp_path, monkeypatch):
    # Port 9 (discard) on the loopback address: nothing listens, so the connection is refused.
    monkeypatch.setattr(lightgcn_format, "LIGHTGCN_BASE_URL", "http://127.0.0.1:9")
    root = tmp_path / "empty"
    root.mkdir()
    with pytest.raises(DatasetNotFoundError) as raised:
        lightgcn_format.locate_lightgcn("gowalla", root)
    message = str(raised.value)
    assert f"in {root / 'gowalla'}" in message
    assert "http://127.0.0.1:9/gowalla/" in message
    assert "pass dataset.root=/path/to/data" in message
    assert "an explicit dataset.root is the only folder searched" in message
    assert list(root.iterdir()) == []


def test_unpatched_url_goes_to_loopback_proxy(tmp_path):
    # tests/conftest.py routes every proxied request to a closed port on 127.0.0.1,
    # so the published GroupLens URL below is never contacted from a test.
    with pytest.raises(DatasetNotFoundError, match=r"127\.0\.0\.1:9|Connection refused"):
        movielens.locate_ml100k(tmp_path / "empty")
    assert not (tmp_path / "empty" / "ml-100k").exists()
