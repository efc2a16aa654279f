"""A data dir's layout: the one module that names its files, reads its manifests and publishes.

The data dir is the folder ``--data-dir`` / ``CRADLE_DATA_DIR`` names (``var/`` by default;
``build/`` before, which setuptools also writes into: :func:`moved_data_dir` says how to move
one)::

    current  -> versions/<id>     the published version (a symlink, switched in one rename)
    previous -> versions/<id>     the version before it, kept for rollback
    versions/<id>/                one complete build (a :class:`Version`):
        graph.ttl  graph.json  store/  index.json  search/{vectors.npy,dense.faiss,bm25/,...}
    versions/.staging-*/          a build being written (removed by the next build if left)
    cache/                        embeddings by text hash and the ONNX export, shared by versions
    synth/                        ``cradle synth``'s synthetic catalogue (not a version)
    .lock                         held by the build writing to the data dir

A build writes a complete version into a staging folder, renames it into ``versions/`` and
switches ``current`` to it by replacing the symlink with ``os.replace`` (atomic): a reader sees
the old version or the new one, never a mix, whenever the build stops (``kill -9`` included).
Readers resolve ``current`` once (:meth:`DataDir.open`) and read only from that version; they
hold a shared lock on its folder, so a later build never deletes a version still being read
(a server that moves on to a newer version lets go of the old one: :func:`release`).

A data dir written before versions existed (the files directly in it) is read as one version;
the next build publishes a versioned layout and removes the old files. See docs/data-dir.md.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cradle.core.errors import DataDirError, NotBuilt, StaleIndex

GRAPH_FILE = "graph.ttl"
GRAPH_MANIFEST = "graph.json"
STORE_DIR = "store"
INDEX_MANIFEST = "index.json"
INDEX_DIR = "search"
VECTORS = "vectors.npy"
FAISS_FILE = "dense.faiss"
BM25_DIR = "bm25"
META = "resources.json"
WORDS = "words.json"
SENTENCES = "sentences.json"
SENTENCE_VECTORS = "sentences.npy"
SENTENCE_WORDS = "sentence-words.npy"
CACHE_DIR = "cache"
SYNTH_DIR = "synth"
#: The default data dir's name before it became ``var`` (:func:`moved_data_dir`).
OLD_DEFAULT = "build"
CHANGES_FILE = "changes.json"
LINKS_FILE = "links.json"
VERSIONS_DIR = "versions"
CURRENT = "current"
PREVIOUS = "previous"
LOCK_FILE = ".lock"
STAGING_PREFIX = ".staging-"
#: Errors that mean the data dir cannot be written (full, over quota, read-only, not allowed).
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
#: What a data dir held directly before versions existed (and what pre-version builds left
#: behind when killed): removed by the first build that publishes a version.
_LEGACY = (
    GRAPH_FILE,
    GRAPH_MANIFEST,
    STORE_DIR,
    INDEX_MANIFEST,
    INDEX_DIR,
    CHANGES_FILE,
    LINKS_FILE,
)
_LEGACY_LEFTOVERS = (STAGING_PREFIX, ".old-")
_LINK_TMP = ".link-tmp"
#: Test-only: the publish step at which the build process kills itself (tests/core/test_publish.py).
KILL_AT_ENV = "CRADLE_TEST_KILL_PUBLISH_AT"
REBUILD = "run `cradle build`"

#: Folders this process has opened as versions, with the open descriptor holding their shared
#: lock (held until :func:`release`, or for the life of the process).
_PINNED: dict[Path, int] = {}


def _checkpoint(step: str) -> None:
    """Die here when a test asked to (``CRADLE_TEST_KILL_PUBLISH_AT=<step>``)."""
    if os.environ.get(KILL_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotBuilt(f"no {what} ({path.name}) in {path.parent}: {REBUILD}") from None
    except (OSError, ValueError) as exc:
        raise NotBuilt(
            f"the {what} {path.name} in {path.parent} cannot be read ({exc.__class__.__name__}): "
            f"{REBUILD}"
        ) from None
    if not isinstance(data, dict):
        raise NotBuilt(f"the {what} {path.name} in {path.parent} is not a JSON object: {REBUILD}")
    return data


@dataclass(frozen=True)
class Version:
    """One complete build: the graph (Turtle, manifest, store) and its search index.

    Attributes:
        path: the version's folder (``versions/<id>``, or a data dir in the old flat layout).
        cache_dir: the embedding cache of the data dir it belongs to (shared by versions).
    """

    path: Path
    cache_dir: Path

    @classmethod
    def at(cls, path: Path) -> Version:
        """A version folder on its own (its cache next to its files): builds and tests."""
        return cls(path, path / CACHE_DIR)

    @property
    def id(self) -> str:
        """The version's name (its folder's name)."""
        return self.path.name

    @property
    def graph_file(self) -> Path:
        """The graph as Turtle (``graph.ttl``)."""
        return self.path / GRAPH_FILE

    @property
    def changes_file(self) -> Path:
        """What changed in the catalogue at each build (``/changes``)."""
        return self.path / CHANGES_FILE

    @property
    def links_file(self) -> Path:
        """The last link check found beside the catalogue when this version was built."""
        return self.path / LINKS_FILE

    @property
    def graph_manifest_file(self) -> Path:
        """The graph build's manifest (``graph.json``)."""
        return self.path / GRAPH_MANIFEST

    @property
    def store_dir(self) -> Path:
        """The Oxigraph store holding the graph (``store/``)."""
        return self.path / STORE_DIR

    @property
    def index_manifest_file(self) -> Path:
        """The search index's manifest (``index.json``)."""
        return self.path / INDEX_MANIFEST

    @property
    def index_dir(self) -> Path:
        """The search index's folder (``search/``)."""
        return self.path / INDEX_DIR

    @property
    def vectors_file(self) -> Path:
        """The resources' embeddings (``search/vectors.npy``)."""
        return self.index_dir / VECTORS

    @property
    def faiss_file(self) -> Path:
        """The dense index (``search/dense.faiss``)."""
        return self.index_dir / FAISS_FILE

    @property
    def bm25_dir(self) -> Path:
        """The keyword index (``search/bm25/``)."""
        return self.index_dir / BM25_DIR

    @property
    def words_file(self) -> Path:
        """The spelling dictionary, word -> frequency (``search/words.json``)."""
        return self.index_dir / WORDS

    @property
    def sentences_file(self) -> Path:
        """The summaries' sentences, for snippets (``search/sentences.json``)."""
        return self.index_dir / SENTENCES

    @property
    def sentence_vectors_file(self) -> Path:
        """The sentences' embeddings (``search/sentences.npy``)."""
        return self.index_dir / SENTENCE_VECTORS

    @property
    def sentence_words_file(self) -> Path:
        """The sentences' words: stem number, start, end (``search/sentence-words.npy``)."""
        return self.index_dir / SENTENCE_WORDS

    @property
    def meta_file(self) -> Path:
        """The resources and vocabularies search shows (``search/resources.json``)."""
        return self.index_dir / META

    def graph_manifest(self) -> dict[str, Any]:
        """The graph manifest (``graph_sha256``, ``triples``, ``resources``, ...).

        Raises:
            NotBuilt: it is missing or unreadable.
        """
        manifest = _read_json(self.graph_manifest_file, "graph manifest")
        if not isinstance(manifest.get("graph_sha256"), str):
            raise NotBuilt(
                f"the graph manifest {GRAPH_MANIFEST} in {self.path} has no graph_sha256: {REBUILD}"
            )
        return manifest

    def graph_sha256(self) -> str:
        """The digest of the version's graph (``graph.ttl``), as its manifest records it.

        Raises:
            NotBuilt: the graph manifest is missing or unreadable.
        """
        return str(self.graph_manifest()["graph_sha256"])

    def require_store(self) -> Path:
        """The store's folder.

        Raises:
            NotBuilt: there is none.
        """
        if not self.store_dir.is_dir():
            raise NotBuilt(f"no graph store ({STORE_DIR}/) in {self.path}: {REBUILD}")
        return self.store_dir

    def index_manifest(self) -> dict[str, Any]:
        """The search index's manifest, checked against the graph it was built from.

        Raises:
            NotBuilt: no graph manifest, no index manifest or no ``search/`` folder.
            StaleIndex: the index was built from another graph.
        """
        graph_sha = self.graph_sha256()
        if not self.index_manifest_file.exists() or not self.index_dir.is_dir():
            raise NotBuilt(
                f"no search index ({INDEX_MANIFEST} and {INDEX_DIR}/) in {self.path}: {REBUILD} "
                "(without --graph-only)"
            )
        manifest = _read_json(self.index_manifest_file, "search index manifest")
        if manifest.get("graph_sha256") != graph_sha:
            raise StaleIndex(
                f"the search index ({INDEX_MANIFEST}) in {self.path} was built from another "
                f"graph (index {str(manifest.get('graph_sha256'))[:12]}, graph "
                f"{graph_sha[:12]} in {GRAPH_MANIFEST}): {REBUILD}"
            )
        return manifest

    def has_index(self) -> bool:
        """Whether the version holds a search index (checked or not)."""
        return self.index_manifest_file.exists()

    def check_graph(self) -> None:
        """Check that the version's graph is whole: manifest, Turtle and store.

        Raises:
            NotBuilt: what is missing, and where.
        """
        self.graph_sha256()
        if not self.graph_file.is_file():
            raise NotBuilt(f"no graph ({GRAPH_FILE}) in {self.path}: {REBUILD}")
        self.require_store()

    def check(self) -> None:
        """Check that the version is whole: :meth:`check_graph`, and an index (when there is
        one) built from this graph.

        Raises:
            NotBuilt, StaleIndex: what is missing or mismatched, and where.
        """
        self.check_graph()
        if self.has_index():
            self.index_manifest()

    def write_graph_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the graph manifest (the graph build's last step)."""
        self.graph_manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")

    def write_index_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the index manifest (the index build's last step)."""
        self.index_manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")


def moved_data_dir(root: Path) -> str | None:
    """One line on moving a data dir left at the old default (``build/`` beside ``root``) when
    ``root`` does not exist yet; None when there is nothing to move."""
    old = root.parent / OLD_DEFAULT
    if root.exists() or root.name == OLD_DEFAULT:
        return None
    if not ((old / CURRENT).is_symlink() or (old / GRAPH_MANIFEST).is_file()):
        return None
    return (
        f"{root}: no such data dir, but {old} holds a build (the old default): move it with "
        f"`mv {old} {root}`, or run `cradle build`"
    )


def open_version(where: Path | Version) -> Version:
    """``where`` when it is a version already, else the current version of the data dir there."""
    return where if isinstance(where, Version) else DataDir(where).open()


class DataDir:
    """A data dir: its published versions, the shared cache, and the one-step publish.

    Args:
        root: the folder the user names (``--data-dir``, ``CRADLE_DATA_DIR``).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"DataDir({str(self.root)!r})"

    @property
    def cache_dir(self) -> Path:
        """The embedding cache and ONNX export, shared by every version."""
        return self.root / CACHE_DIR

    @property
    def synth_dir(self) -> Path:
        """Where ``cradle synth`` writes its catalogue by default."""
        return self.root / SYNTH_DIR

    @property
    def versions_dir(self) -> Path:
        """Where versions are kept."""
        return self.root / VERSIONS_DIR

    def _link(self, name: str) -> Path | None:
        """The version folder a link (``current``/``previous``) points to, if any."""
        try:
            target = os.readlink(self.root / name)
        except OSError:
            return None
        return self.root / target

    def current_id(self) -> str | None:
        """The id of the published version (None when nothing is published in versions)."""
        target = self._link(CURRENT)
        return target.name if target is not None else None

    def previous_id(self) -> str | None:
        """The id of the version before the published one (None when there is none)."""
        target = self._link(PREVIOUS)
        return target.name if target is not None else None

    def previous(self) -> Version | None:
        """The version before the published one (None when there is none)."""
        target = self._link(PREVIOUS)
        return Version(target, self.cache_dir) if target is not None else None

    def is_legacy(self) -> bool:
        """Whether the data dir holds a build in the old flat layout and no published version."""
        return self._link(CURRENT) is None and (self.root / GRAPH_MANIFEST).exists()

    def open(self) -> Version:
        """The published version, resolved once: read everything from what this returns.

        The version's folder stays locked (shared) while this process lives, so later builds
        keep it. A data dir in the old flat layout is returned as one version.

        Raises:
            NotBuilt: the data dir does not exist or holds no build.
        """
        for _ in range(3):
            target = self._link(CURRENT)
            if target is None:
                break
            if _pin(target):
                return Version(target, self.cache_dir)
        if self.is_legacy():
            return Version(self.root, self.cache_dir)
        if not self.root.is_dir():
            raise NotBuilt(
                moved_data_dir(self.root)
                or f"{self.root}: no such data dir: {REBUILD} (or pass --data-dir / set "
                "CRADLE_DATA_DIR)"
            )
        if (self.root / CURRENT).is_symlink():
            raise NotBuilt(
                f"{self.root}/{CURRENT} points to {os.readlink(self.root / CURRENT)}, which "
                f"does not exist: {REBUILD} (or point it at a folder in {VERSIONS_DIR}/)"
            )
        raise NotBuilt(f"no build in {self.root} (no {CURRENT} version): {REBUILD}")

    def published(self) -> Version | None:
        """The published version (:meth:`open`), or None when nothing is built yet."""
        try:
            return self.open()
        except NotBuilt:
            return None

    @contextlib.contextmanager
    def publish(self) -> Iterator[Version]:
        """Yield a fresh version folder to build into; publish it if the block succeeds.

        Builds of one data dir run one at a time (a second waits for the first). Publishing
        checks the version (:meth:`Version.check`), renames it into ``versions/``, points
        ``previous`` at the version being replaced, then switches ``current`` in one atomic
        rename, then removes stale staging folders, versions other than the current and the
        previous one (unless a reader still holds them), and files of the old flat layout. If
        the block fails, or the process dies anywhere, readers still see the old version whole.

        Raises:
            DataDirError: the disk is full or the data dir cannot be written (one line naming
                the path); the published version is unchanged.
        """
        with self._writes_or_one_line(), self._publishing() as version:
            yield version

    @contextlib.contextmanager
    def _writes_or_one_line(self) -> Iterator[None]:
        """A full disk or a read-only data dir while building: one line naming the path (the
        published version is untouched: see :meth:`publish`)."""
        try:
            yield
        except OSError as exc:
            if exc.errno not in WRITE_ERRORS:
                raise
            where = exc.filename or self.root
            raise DataDirError(
                f"{where}: cannot write the build ({exc.strerror or exc}): free some space or "
                f"make {self.root} writable, then build again; the published version is "
                "unchanged"
            ) from None

    @contextlib.contextmanager
    def _publishing(self) -> Iterator[Version]:
        self.root.mkdir(parents=True, exist_ok=True)
        with self._build_lock():
            self.versions_dir.mkdir(exist_ok=True)
            self._remove_staging()
            stage = self.versions_dir / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
            stage.mkdir()  # with the umask's mode (mkdtemp's 0700 would shut out a server user)
            try:
                _checkpoint("staging")
                version = Version(stage, self.cache_dir)
                yield version
                version.check()
                _checkpoint("built")
                _sync_tree(stage)
                final = self._fresh_name(version.graph_sha256())
                os.rename(stage, final)
                _sync_dir(self.versions_dir)
                _checkpoint("renamed")
                old = self._link(CURRENT)
                if old is not None and old != final:
                    self._point(PREVIOUS, old)
                _checkpoint("previous")
                self._point(CURRENT, final)
                _checkpoint("switched")
            finally:
                shutil.rmtree(stage, ignore_errors=True)
            self.clean()
            _checkpoint("cleaned")

    def rollback(self, before: Callable[[Version], None] | None = None) -> str:
        """Switch ``current`` back to ``previous`` (and ``previous`` to what was current), in
        one atomic rename each, after checking that the previous version is whole. Running
        servers follow it as they follow a build (docs/data-dir.md).

        Args:
            before: called with the previous version, checked, before anything is switched
                (under the build lock: loading its graph into an external store); when it
                raises, nothing changes.

        Returns:
            The id of the version now published.

        Raises:
            NotBuilt: there is no previous version to go back to, or it is not whole (the
                message says what is missing; ``current`` is then left as it was).
            StaleIndex: the previous version's index was built from another graph.
        """
        with self._build_lock():
            old, back = self._link(CURRENT), self._link(PREVIOUS)
            if back is None or not back.is_dir():
                raise NotBuilt(
                    f"no previous version in {self.root} to roll back to ({PREVIOUS} is "
                    f"{'missing' if back is None else 'a link to nothing'}): nothing changed"
                )
            version = Version(back, self.cache_dir)
            version.check()
            if before is not None:
                before(version)
            if old is not None:
                self._point(PREVIOUS, old)
            self._point(CURRENT, back)
            return back.name

    def clean(self) -> list[Path]:
        """Remove what no reader needs: staging folders, versions other than the current and
        the previous one (and those a reader holds), and the old flat layout's files.

        Only call it while holding the build lock (:meth:`publish` does).

        Returns:
            What was removed.
        """
        links = (self._link(CURRENT), self._link(PREVIOUS))
        keep = {p.resolve() for p in links if p is not None}  # links may be made by hand
        removed = self._remove_staging()
        for folder in sorted(self.versions_dir.iterdir()) if self.versions_dir.is_dir() else []:
            skip = folder.name.startswith(STAGING_PREFIX) or folder.is_symlink()
            if skip or folder.resolve() in keep:
                continue
            if _remove_unless_read(folder):
                removed.append(folder)
        for item in sorted(self.root.iterdir()):
            legacy = item.name in _LEGACY or item.name.startswith(_LEGACY_LEFTOVERS)
            if item.name.endswith(_LINK_TMP) or (legacy and self._link(CURRENT) is not None):
                _remove(item)  # a link a killed build never renamed, or the old layout's
                removed.append(item)
        return removed

    def _remove_staging(self) -> list[Path]:
        found = []
        if self.versions_dir.is_dir():
            for folder in sorted(self.versions_dir.iterdir()):
                if folder.name.startswith(STAGING_PREFIX):
                    _remove(folder)
                    found.append(folder)
        return found

    def _fresh_name(self, graph_sha: str) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        name, n = f"{stamp}-{graph_sha[:12]}", 1
        while (self.versions_dir / name).exists():
            n += 1
            name = f"{stamp}-{graph_sha[:12]}-{n}"
        return self.versions_dir / name

    def _point(self, link: str, target: Path) -> None:
        """Make ``link`` point at ``target`` in one atomic rename of a fresh symlink."""
        tmp = self.root / f".{link}.{os.getpid()}{_LINK_TMP}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(os.path.relpath(target, self.root), tmp)
        os.replace(tmp, self.root / link)
        _sync_dir(self.root)

    @contextlib.contextmanager
    def _build_lock(self) -> Iterator[None]:
        with (self.root / LOCK_FILE).open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # released by the kernel if the process dies
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _pin(folder: Path) -> bool:
    """Hold a shared lock on a version's folder for this process's life; False if it is gone."""
    folder = folder.resolve()
    if folder in _PINNED:
        return True
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_SH)
    if not (folder / GRAPH_MANIFEST).exists():  # removed between resolving and locking
        os.close(fd)
        return False
    _PINNED[folder] = fd
    return True


def release(version: Version) -> None:
    """Let builds remove a version this process opened (:meth:`DataDir.open`) and no longer
    reads: a server that switched to a newer version calls it once the old one is closed."""
    fd = _PINNED.pop(version.path.resolve(), None)
    if fd is not None:
        os.close(fd)  # closing the descriptor drops its shared lock


def _remove_unless_read(folder: Path) -> bool:
    """Remove a version's folder unless a reader holds it (a shared lock on it)."""
    if folder.resolve() in _PINNED:
        return False
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _remove(folder)
        return True
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tree(folder: Path) -> None:
    """Flush a version's files and folders to disk before it is published."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        elif path.is_dir():
            _sync_dir(path)
    _sync_dir(folder)
