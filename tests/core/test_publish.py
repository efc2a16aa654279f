"""Publishing a build is one atomic step: a ``kill -9`` anywhere leaves the old version or the
new one, whole; stale staging and old versions go; readers keep the version they opened."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cradle.core.datadir import (
    CURRENT,
    KILL_AT_ENV,
    LOCK_FILE,
    STAGING_PREFIX,
    VERSIONS_DIR,
    DataDir,
    Version,
)
from cradle.core.errors import NotBuilt, StaleIndex
from tests.support import CATALOGUE, ROOT, build_cmd, fake_settings

#: Every step of a publish at which the test hook can kill the build (cradle.core.datadir).
STEPS = ["staging", "built", "renamed", "previous", "switched", "cleaned"]
#: Steps after which the new version is the published one.
PUBLISHED_AT = {"switched", "cleaned"}

#: A build of a tiny fake version (no graph library): what the data dir does, not the graph.
FAKE_BUILD = textwrap.dedent(
    """
    import hashlib, sys
    from pathlib import Path
    from cradle.core.datadir import DataDir
    text = sys.argv[2].encode()
    sha = hashlib.sha256(text).hexdigest()
    with DataDir(Path(sys.argv[1])).publish() as v:
        v.graph_file.write_bytes(text)
        v.store_dir.mkdir()
        (v.store_dir / "content").write_bytes(text)
        v.write_graph_manifest({"graph_sha256": sha})
        v.index_dir.mkdir()
        v.write_index_manifest({"graph_sha256": sha})
    """
)


def fake_build(root: Path, text: str, kill_at: str | None = None) -> int:
    """Publish a fake version holding ``text`` in a subprocess; its exit code (-9 if killed)."""
    env = {k: v for k, v in os.environ.items() if k != KILL_AT_ENV}
    if kill_at:
        env[KILL_AT_ENV] = kill_at
    done = subprocess.run(
        [sys.executable, "-c", FAKE_BUILD, str(root), text], env=env, cwd=ROOT, check=False
    )
    return done.returncode


def fake_consistent(version: Version) -> str:
    """Check a fake version is whole and its three records agree; return its text."""
    version.check()
    text = version.graph_file.read_bytes()
    sha = hashlib.sha256(text).hexdigest()
    assert version.graph_sha256() == sha == version.index_manifest()["graph_sha256"]
    assert (version.store_dir / "content").read_bytes() == text
    return text.decode()


def published(root: Path) -> Version:
    """The current version, read without holding it (so that later builds may remove it)."""
    data = DataDir(root)
    return Version(data.versions_dir / str(data.current_id()), data.cache_dir)


def entries(root: Path) -> set[str]:
    return {p.name for p in DataDir(root).versions_dir.iterdir()}


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_each_publish_step_leaves_old_or_new_whole(tmp_path: Path, step: str) -> None:
    root = tmp_path / "data"
    assert fake_build(root, "old") == 0
    assert fake_build(root, "new", kill_at=step) == -signal.SIGKILL
    seen = fake_consistent(published(root))
    assert seen == ("new" if step in PUBLISHED_AT else "old")
    assert fake_build(root, "newer") == 0  # the next build cleans up after the killed one
    data = DataDir(root)
    assert fake_consistent(published(root)) == "newer"
    kept = {data.current_id(), data.previous_id()}
    assert entries(root) == kept and None not in kept  # no staging, nothing else


def test_old_versions_and_staging_are_removed_keeping_the_previous(tmp_path: Path) -> None:
    root = tmp_path / "data"
    for n in range(4):
        assert fake_build(root, f"v{n}") == 0
    assert fake_build(root, "dead", kill_at="built") == -signal.SIGKILL
    data = DataDir(root)
    os.symlink("versions/x", root / ".current.999.link-tmp")  # a switch killed half-way
    assert any(name.startswith(STAGING_PREFIX) for name in entries(root))
    assert len(entries(root)) == 3  # current, previous, a dead build's staging
    assert fake_build(root, "v4") == 0
    assert entries(root) == {data.current_id(), data.previous_id()}
    assert not (root / ".current.999.link-tmp").is_symlink()
    assert fake_consistent(Version.at(data.versions_dir / str(data.previous_id()))) == "v3"
    assert data.rollback() == data.current_id()
    assert fake_consistent(published(root)) == "v3" and data.previous_id() is not None
    v3 = data.versions_dir / str(data.current_id())
    (root / CURRENT).unlink()
    os.symlink(v3.resolve(), root / CURRENT)  # an operator's hand-made, absolute link
    assert fake_build(Path(os.path.relpath(root, ROOT)), "v5") == 0  # the build's cwd: ROOT
    assert fake_consistent(Version.at(v3)) == "v3" and data.previous_id() == v3.name


def test_a_version_a_reader_holds_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "data"
    assert fake_build(root, "served") == 0
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom cradle.core.datadir import DataDir\n"
            f"DataDir({str(root)!r}).open(); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == b"open\n"
        served = DataDir(root).current_id()
        for n in range(3):
            assert fake_build(root, f"later{n}") == 0
        assert served in entries(root) and len(entries(root)) == 3
    finally:
        reader.kill()
        reader.wait()
    assert fake_build(root, "last") == 0
    assert served not in entries(root) and len(entries(root)) == 2


def test_missing_and_mismatched_say_which_file_where_and_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(NotBuilt, match=r"no such data dir: run `cradle build`"):
        DataDir(tmp_path / "nowhere").open()
    with pytest.raises(NotBuilt, match=r"no build in .*: run `cradle build`"):
        DataDir(tmp_path).open()
    root = tmp_path / "data"
    assert fake_build(root, "x") == 0
    version = DataDir(root).open()
    version.write_index_manifest({"graph_sha256": "0" * 64})
    with pytest.raises(StaleIndex, match=rf"index.json\) in {version.path}.*graph.json"):
        version.index_manifest()
    version.graph_manifest_file.unlink()
    with pytest.raises(NotBuilt, match=rf"no graph manifest \(graph.json\) in {version.path}"):
        version.graph_sha256()
    (root / CURRENT).unlink()
    os.symlink(f"{VERSIONS_DIR}/gone", root / CURRENT)
    with pytest.raises(NotBuilt, match=f"points to {VERSIONS_DIR}/gone, which does not exist"):
        DataDir(root).open()


def test_an_old_flat_data_dir_is_read_then_replaced_by_versions(
    graph_dir: Path, tmp_path: Path
) -> None:
    import shutil

    from cradle.commands import run_build

    flat = tmp_path / "flat"
    shutil.copytree(graph_dir, flat)
    (flat / f"{STAGING_PREFIX}left").mkdir()  # what killed builds of the old layout left
    data = DataDir(flat)
    assert data.is_legacy() and data.open().path == flat
    run_build(fake_settings(flat), with_index=False)
    assert not data.is_legacy() and data.current_id() is not None
    assert sorted(p.name for p in flat.iterdir()) == [LOCK_FILE, CURRENT, VERSIONS_DIR]


# --- real builds: graph, store and index, killed with SIGKILL at every step and at random ---


def real_consistent(version: Version) -> str:
    """Check a real version: graph.ttl's digest = graph.json's = index.json's, and the store
    holds exactly graph.ttl's triples. Returns the graph digest."""
    version.check()
    turtle = version.graph_file.read_bytes()
    sha = hashlib.sha256(turtle).hexdigest()
    assert version.graph_sha256() == sha == version.index_manifest()["graph_sha256"]
    store = ox.Store.read_only(str(version.store_dir))
    parsed = ox.Store()
    parsed.bulk_load(turtle, format=ox.RdfFormat.TURTLE)
    assert len(store) == len(parsed) == version.graph_manifest()["triples"]

    def named(s: ox.Store) -> set[ox.Quad]:
        return {
            q
            for q in s
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
        }

    assert named(store) == named(parsed)
    return sha


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_real_builds_killed_anywhere_leave_old_or_new(tmp_path: Path) -> None:
    changed = tmp_path / "changed.yaml"
    old_title = "The Lullaby Trust raises awareness"
    changed.write_text(
        CATALOGUE.read_text(encoding="utf-8").replace(
            old_title, "The Lullaby Trust, a charity, raises awareness"
        )
    )
    root = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != KILL_AT_ENV}
    env |= {"CRADLE_EMBEDDER": "fake", "HF_HUB_OFFLINE": "1"}
    shas: dict[Path, str] = {}
    for catalogue in (changed, CATALOGUE):
        started = time.monotonic()
        subprocess.run(build_cmd(root, catalogue), env=env, check=True, capture_output=True)
        took = time.monotonic() - started
        shas[catalogue] = real_consistent(published(root))
    assert shas[changed] != shas[CATALOGUE]

    def other() -> Path:  # the catalogue that is not published: its build is "new"
        now = real_consistent(published(root))
        return changed if now == shas[CATALOGUE] else CATALOGUE

    for step in STEPS:  # just after each step of the publish (each move and the switch)
        new = other()
        old = shas[CATALOGUE if new == changed else changed]
        run = subprocess.run(
            build_cmd(root, new), env=env | {KILL_AT_ENV: step}, check=False, capture_output=True
        )
        assert run.returncode == -signal.SIGKILL
        assert real_consistent(published(root)) == (shas[new] if step in PUBLISHED_AT else old)
    for fraction in (0.2, 0.5, 0.8, 0.95, 1.1):  # anywhere in the build, by the clock
        new = other()
        proc = subprocess.Popen(
            build_cmd(root, new), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(took * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert real_consistent(published(root)) in shas.values(), fraction
    subprocess.run(build_cmd(root, other()), env=env, check=True, capture_output=True)
    data = DataDir(root)
    assert entries(root) == {data.current_id(), data.previous_id()}


@pytest.mark.slow
def test_a_server_keeps_its_version_when_the_published_one_has_no_index(tmp_path: Path) -> None:
    """A graph-only version published while serving with search would turn search off: the
    server refuses it, keeps serving (and holding) the version it has, and says why.
    (Versions it can serve are taken up: tests/test_swap.py.)"""
    from cradle.commands import run_build
    from cradle.service.app import create_app

    root = tmp_path / "data"
    settings = fake_settings(root, reload_interval=0.2)
    run_build(settings)
    first = DataDir(root).open()
    with TestClient(create_app(settings)) as client:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        before = client.get("/sparql", params={"query": count}).json()
        for _ in range(2):
            run_build(settings, with_index=False)  # a graph-only version: no index in it
        published = DataDir(root).current_id()
        deadline = time.monotonic() + 60
        while client.get("/health").json()["versions"]["refused"] != published:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        body = client.get("/health").json()
        assert body["graph"]["version"] == first.id != published
        assert body["graph"]["sha256"] == first.graph_sha256()
        assert body["status"] == "degraded" and "search index" in body["versions"]["refused_why"]
        assert client.get("/sparql", params={"query": count}).json() == before
        assert client.get("/search", params={"q": "sleep"}).status_code == 200
    assert first.path.is_dir()  # this process holds it: the builds kept it
