"""Data roots, verified downloads and safe archive extraction."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

DATA_DIR_ENV = "RECGNN_DATA_DIR"
DOWNLOAD_TIMEOUT_SECONDS = 60


class DatasetNotFoundError(FileNotFoundError):
    """A data set is neither on disk nor downloadable (offline, or the server failed)."""


def default_cache_dir() -> Path:
    """Return the user cache folder for downloads (``$XDG_CACHE_HOME/recgnn`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "recgnn"


def candidate_roots(root: str | os.PathLike | None) -> list[Path]:
    """Return the data roots to search, in order.

    An explicit ``dataset.root`` is the only root when given. Otherwise
    ``$RECGNN_DATA_DIR`` comes first when set, then the user cache folder.
    """
    if root is not None and str(root) != "":
        return [Path(root).expanduser()]
    roots = []
    if os.environ.get(DATA_DIR_ENV):
        roots.append(Path(os.environ[DATA_DIR_ENV]).expanduser())
    roots.append(default_cache_dir())
    return roots


def find_local_copy(roots: list[Path], name: str, required: list[str]) -> Path | None:
    """Return the first ``root/name`` folder that contains every required file."""
    for root in roots:
        folder = root / name
        if all((folder / file).is_file() for file in required):
            return folder
    return None


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url: str, target: Path, md5: str | None = None) -> Path:
    """Download ``url`` to ``target`` atomically, checking the MD5 when one is known.

    The file is written under a temporary name and renamed only after the
    checksum matches, so an interrupted download never looks complete.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s to %s", url, target)
    handle, partial = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    try:
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response,
        ):
            shutil.copyfileobj(response, out)
        if md5 is not None:
            actual = md5sum(Path(partial))
            if actual != md5:
                raise ValueError(
                    f"checksum mismatch for {url}: MD5 {actual}, expected {md5}; "
                    "the download is corrupt or the file changed upstream, so retry, "
                    "or download it by hand and point dataset.root at the folder"
                )
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return target


def safe_extract_zip(archive: Path, destination: Path) -> None:
    """Extract a zip archive, rejecting any member that would land outside ``destination``."""
    destination = destination.resolve()
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.infolist():
            target = (destination / member.filename).resolve()
            if not target.is_relative_to(destination) or _is_symlink(member):
                raise ValueError(
                    f"unsafe archive member {member.filename!r} in {archive}: it would be "
                    f"written outside {destination}; the archive is not the official one"
                )
        bundle.extractall(destination)


def fetch_zip_dataset(
    name: str, url: str, md5: str | None, required: list[str], roots: list[Path]
) -> Path:
    """Download and extract a zipped data set into the first writable root.

    Returns the folder holding the extracted files. Raises
    :class:`DatasetNotFoundError` naming the searched folders, the URL and the
    local-copy options when the download fails.
    """
    # The last root is dataset.root when given, else the user cache (never
    # $RECGNN_DATA_DIR, which may be a read-only shared copy).
    target_root = roots[-1]
    archive = target_root / f"{name}.zip"
    final = target_root / name
    check_no_incomplete_folder(final, required)
    try:
        download_file(url, archive, md5)
        with tempfile.TemporaryDirectory(dir=target_root) as staging:
            safe_extract_zip(archive, Path(staging))
            extracted = _find_folder_with(Path(staging), required)
            if _finished_meanwhile(final, required):
                return final
            os.replace(extracted, final)
            if extracted == Path(staging):
                # TemporaryDirectory removes its path on exit, so give it an empty one back.
                os.mkdir(staging)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise DatasetNotFoundError(
            missing_dataset_message(name, url, required, roots, error)
        ) from error
    finally:
        # A rejected or extracted archive is never read again.
        archive.unlink(missing_ok=True)
    return final


def fetch_plain_files(name: str, base_url: str, files: list[str], roots: list[Path]) -> Path:
    """Download uncompressed files ``base_url/<file>`` into ``root/name/`` of the last root.

    The files land in a staging folder that is renamed into place only once
    all of them arrived, so a failed or interrupted download never leaves a
    folder that :func:`find_local_copy` would accept. No checksum is checked:
    callers pass sources that publish none.
    """
    target_root = roots[-1]
    final = target_root / name
    check_no_incomplete_folder(final, files)
    try:
        target_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{name}.", dir=target_root) as staging:
            for file in files:
                download_file(f"{base_url}/{file}", Path(staging) / file)
            if _finished_meanwhile(final, files):
                return final
            os.replace(staging, final)
            # TemporaryDirectory removes its path on exit, so give it an empty one back.
            os.mkdir(staging)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise DatasetNotFoundError(
            missing_dataset_message(name, f"{base_url}/", files, roots, error)
        ) from error
    return final


def missing_dataset_message(
    name: str, url: str, required: list[str], roots: list[Path], error: Exception
) -> str:
    searched = ", ".join(str(root / name) for root in roots)
    return (
        f"data set {name!r} not found: no folder with {', '.join(required)} in {searched}, "
        f"and the download from {url} failed ({error}). "
        f"Download it by hand to /path/to/data/{name}/ and pass dataset.root=/path/to/data, "
        f"or set {DATA_DIR_ENV}=/path/to/data and leave dataset.root unset "
        "(an explicit dataset.root is the only folder searched)."
    )


def check_no_incomplete_folder(folder: Path, required: list[str]) -> None:
    """Raise when ``folder`` exists but lacks a required file.

    A download never replaces such a folder: recgnn moves a download into place
    only once it is complete, so an incomplete folder contains the user's own files.
    """
    missing = [file for file in required if not (folder / file).is_file()]
    if folder.exists() and missing:
        raise DatasetNotFoundError(
            f"{folder} exists but lacks {', '.join(missing)}, so it is not a complete copy; "
            "recgnn does not download over a folder that it did not create. Add the "
            f"missing files, or move {folder} away to download a fresh copy."
        )


def _finished_meanwhile(folder: Path, required: list[str]) -> bool:
    # Another process may have moved its complete download into place while this
    # one was downloading; keep that copy.
    return folder.exists() and all((folder / file).is_file() for file in required)


def _find_folder_with(base: Path, required: list[str]) -> Path:
    for folder in [base, *sorted(p for p in base.rglob("*") if p.is_dir())]:
        if all((folder / file).is_file() for file in required):
            return folder
    raise ValueError(f"the downloaded archive lacks the expected files {required}")


def _is_symlink(member: zipfile.ZipInfo) -> bool:
    # The upper 16 bits of external_attr hold the Unix mode; 0o120000 marks a link.
    return (member.external_attr >> 16) & 0o170000 == 0o120000
