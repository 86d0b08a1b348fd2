"""Opening a records file for writing while other games open it at once."""

from __future__ import annotations

import sqlite3

import pytest

from dualmind.runtime import record


def test_a_locked_open_is_retried_and_other_errors_are_not(tmp_path, monkeypatch):
    real, calls = record._connect_once, []

    def locked_twice(path):
        calls.append(path)
        if len(calls) <= 2:
            raise sqlite3.OperationalError("database is locked")
        return real(path)

    monkeypatch.setattr(record, "_connect_once", locked_twice)
    db = record.connect(tmp_path / "r.sqlite")
    db.close()
    assert len(calls) == 3

    def broken(path):
        calls.append(path)
        raise sqlite3.OperationalError("disk I/O error")

    calls.clear()
    monkeypatch.setattr(record, "_connect_once", broken)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        record.connect(tmp_path / "r.sqlite")
    assert len(calls) == 1  # not a lock: raised at once


def test_a_lock_that_outlasts_the_deadline_is_raised(tmp_path, monkeypatch):
    def always_locked(path):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(record, "_connect_once", always_locked)
    monkeypatch.setattr(record, "CONNECT_SECONDS", 0.2)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        record.connect(tmp_path / "r.sqlite")
