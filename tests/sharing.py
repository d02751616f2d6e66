"""One build per test run, shared by the pytest-xdist workers."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")


def shared(tmp_path_factory: pytest.TempPathFactory, name: str,
           produce: Callable[[Path], T]) -> T:
    """``produce(folder)`` once per test run, whichever xdist worker asks first.

    The folder and the pickled result live beside the workers' own temporary
    folders; a lock makes the others wait rather than build it again. Readers
    must not change the folder, as in a single-process run.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return produce(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent / "shared"
    root.mkdir(exist_ok=True)
    folder, result = root / name, root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if result.exists():
            value: T = pickle.loads(result.read_bytes())
            return value
        shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way
        folder.mkdir()
        value = produce(folder)
        result.write_bytes(pickle.dumps(value))
        return value
