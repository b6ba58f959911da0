"""The chDB backend: error parsing, pool limits, one path per process."""

from __future__ import annotations

import pytest

from timeplus_emulator import backend
from timeplus_emulator.backend import Backend, EngineError, acquire_backend, engine_error_from


def test_engine_error_from_parses_code_and_strips_noise() -> None:
    error = engine_error_from(RuntimeError(
        "Streaming query failed: Code: 60. DB::Exception: Unknown table expression identifier "
        "'x.y'. (UNKNOWN_TABLE) (version 26.9.2.1)"))
    assert error.code == 60
    assert error.message == "Unknown table expression identifier 'x.y'."
    assert engine_error_from(RuntimeError("boom")).code == 1000


def test_pool_exhaustion_is_code_202(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend, "_MAX_POOL", 1)
    monkeypatch.setattr(backend, "_POOL_WAIT", 0.2)
    keep = acquire_backend(None)  # keeps the embedded server alive while `pool` closes
    pool = Backend(keep.path)
    try:
        with pool.connection():
            with pytest.raises(EngineError) as caught:
                pool.query("SELECT 1")
        assert caught.value.code == 202
        assert pool.query("SELECT 1", "CSV") == b"1\n"
    finally:
        pool.close()
        backend.release_backend(keep)


def test_second_path_in_one_process_is_refused(tmp_path: object) -> None:
    keep = acquire_backend(None)
    try:
        with pytest.raises(EngineError, match="own process"):
            acquire_backend(f"{tmp_path}/elsewhere")
    finally:
        backend.release_backend(keep)
