"""Assembling a model from its part packages: once, atomically, hash checked, clear errors.

The parts here are small fake packages made in a temporary directory and put on
``sys.path``, found exactly as the real ones are (by import name, ``data/partNN.bin``).
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import itertools
import threading

import pytest

from dualmind.errors import ModelMissingError
from dualmind.llm import weights
from dualmind.llm.weights import ModelFiles, assemble

_names = itertools.count()


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    """A model of three fake part packages; returns (spec, the parts' bytes, site dir)."""
    site = tmp_path / "site"
    tag = f"h14fake{next(_names)}"
    chunks = [bytes([i]) * (1000 + 77 * i) for i in range(3)]
    packages = tuple(f"{tag}-part{i + 1}" for i in range(3))
    for i, (package, chunk) in enumerate(zip(packages, chunks, strict=True)):
        data = site / package.replace("-", "_") / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"part{i + 1:02d}.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    whole = b"".join(chunks)
    spec = ModelFiles(tag, f"{tag}.gguf", packages, "0.1.0", len(whole), hashlib.sha256(whole).hexdigest())
    return spec, whole, site


def test_parts_are_concatenated_in_order_once(fake_model, tmp_path):
    spec, whole, _ = fake_model
    cache = tmp_path / "cache"
    path = assemble(spec, cache, progress=False)
    assert path == cache / spec.file and path.read_bytes() == whole
    before = path.stat().st_mtime_ns
    assert assemble(spec, cache, progress=False) == path
    assert path.stat().st_mtime_ns == before  # the second call used the file as it was
    assert sorted(p.name for p in cache.iterdir()) == sorted([spec.file, f"{spec.file}.lock"])


def test_a_wrong_hash_leaves_no_file_and_says_what_to_reinstall(fake_model, tmp_path):
    spec, _, _ = fake_model
    bad = ModelFiles(spec.name, spec.file, spec.packages, spec.version, spec.size, "0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(ModelMissingError, match="sha256") as err:
        assemble(bad, cache, progress=False)
    assert spec.packages[0] in str(err.value) and "dualmind[models]" in str(err.value)
    assert not (cache / spec.file).exists()
    assert not list(cache.glob("*.tmp"))


def test_a_missing_part_package_is_named(fake_model, tmp_path):
    spec, _, site = fake_model
    missing = spec.packages[1].replace("-", "_")
    (site / missing).rename(site / "elsewhere")
    importlib.invalidate_caches()
    with pytest.raises(ModelMissingError, match=spec.packages[1]) as err:
        assemble(spec, tmp_path / "cache", progress=False)
    assert "pip install 'dualmind[models]'" in str(err.value)
    assert not (tmp_path / "cache" / spec.file).exists()


def test_a_full_disk_mid_write_leaves_no_file(fake_model, tmp_path):
    spec, whole, _ = fake_model
    written = []

    def fill_up(out, chunk: bytes) -> None:
        if written:  # the first part fits, the second hits a full disk
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(chunk))
        out.write(chunk)

    cache = tmp_path / "cache"
    with pytest.raises(ModelMissingError, match="disk space"):
        assemble(spec, cache, progress=False, write=fill_up)
    assert written and not (cache / spec.file).exists() and not list(cache.glob("*.tmp"))
    assert assemble(spec, cache, progress=False).read_bytes() == whole  # later, with room


def test_an_interrupted_write_is_never_used(fake_model, tmp_path):
    spec, whole, _ = fake_model

    def interrupted(out, chunk: bytes) -> None:
        out.write(chunk[: len(chunk) // 2])
        raise KeyboardInterrupt

    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        assemble(spec, cache, progress=False, write=interrupted)
    assert not (cache / spec.file).exists() and not list(cache.glob("*.tmp"))
    # A process killed outright leaves its temporary file: ignored, then cleaned up.
    leftover = cache / f".{spec.file}.killed.tmp"
    leftover.write_bytes(whole[:100])
    assert assemble(spec, cache, progress=False).read_bytes() == whole
    assert not leftover.exists()


def test_a_wrong_sized_file_at_the_final_name_is_replaced(fake_model, tmp_path):
    spec, whole, _ = fake_model
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / spec.file).write_bytes(whole[:10])
    assert assemble(spec, cache, progress=False).read_bytes() == whole


def test_concurrent_callers_assemble_once(fake_model, tmp_path):
    spec, whole, _ = fake_model
    cache = tmp_path / "cache"
    writes = []
    lock = threading.Lock()

    def counting(out, chunk: bytes) -> None:
        with lock:
            writes.append(threading.get_ident())
        out.write(chunk)

    results = []
    threads = [threading.Thread(target=lambda: results.append(
        assemble(spec, cache, progress=False, write=counting))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(p.read_bytes() == whole for p in results)
    assert len(set(writes)) == 1  # one thread wrote; the others waited on the lock and reused it


def test_the_cache_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DUALMIND_CACHE", str(tmp_path / "c"))
    assert weights.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("DUALMIND_CACHE")
    assert weights.cache_dir().parts[-2:] == (".cache", "dualmind")


def test_unknown_model_name_is_refused():
    with pytest.raises(ModelMissingError, match="unknown model"):
        weights.model_path("gpt-17")
