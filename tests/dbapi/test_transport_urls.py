"""URLs: the workspace is one quoted path segment, refused when it would change the path
(issue 13, item 3), and an unknown workspace is named in the error (item 15)."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

import timeplus_dbapi as db

sys.path.insert(0, str(Path(__file__).parent))
from loopback import Loopback, response

pytestmark = pytest.mark.integration

ESCAPING = "default%2Fapi%2Fv1beta2%2Fstreams%2F{victim}%23"


def _stream_exists(emulator: Any, name: str) -> bool:
    answer = requests.get(f"{emulator.base_url}/v1beta2/streams/{name}", timeout=10)
    return answer.status_code == 200


def test_a_workspace_that_would_escape_its_path_segment_is_refused_and_the_victim_survives(
    emulator: Any,
) -> None:
    victim = f"victim_{uuid.uuid4().hex[:8]}"
    with db.connect(emulator.dsn) as conn:
        conn.client.create_stream(victim, [("a", "int32")])
    try:
        host = f"timeplus://127.0.0.1:{emulator.port}"
        named = f"workspace 'default/api/v1beta2/streams/{victim}#'"
        with pytest.raises(db.InterfaceError, match=named):
            conn = db.connect(f"{host}/{ESCAPING.format(victim=victim)}")
            conn.client.delete_stream("other")
        with pytest.raises(db.InterfaceError, match="single URL path segment"):
            db.connect(host, workspace=f"default/api/v1beta2/streams/{victim}#")
        assert _stream_exists(emulator, victim)
    finally:
        with db.connect(emulator.dsn) as conn:
            conn.client.delete_stream(victim)


@pytest.mark.parametrize("workspace", ["a/b", "a%2Fb", "a%3Fb", "a%23b", "%2E%2E%2F"])
def test_dsn_workspaces_with_slash_question_mark_or_hash_are_refused(workspace: str) -> None:
    with pytest.raises(db.InterfaceError, match=r"workspace 'a?[.]*[/?#]b?'"):
        db.connect(f"timeplus://127.0.0.1:1/{workspace}")


@pytest.mark.parametrize("workspace", ["a/b", "a?b", "a#b", "../x"])
def test_keyword_workspaces_with_slash_question_mark_or_hash_are_refused(workspace: str) -> None:
    with pytest.raises(db.InterfaceError, match="single URL path segment"):
        db.connect("timeplus://127.0.0.1:1", workspace=workspace)


def test_other_characters_in_a_workspace_are_percent_encoded(emulator: Any) -> None:
    with db.connect(emulator.dsn.rsplit("/", 1)[0] + "/ws%20x%25..") as conn:
        with pytest.raises(db.ProgrammingError, match=re.escape("workspace 'ws x%..' not found")):
            conn.client.list_streams()


def test_an_unknown_workspace_is_named_by_the_emulator(emulator: Any) -> None:
    with db.connect(emulator.dsn.rsplit("/", 1)[0] + "/nows") as conn:
        with pytest.raises(db.ProgrammingError, match="workspace 'nows' not found") as caught:
            conn.cursor().execute("SELECT 1")
    assert caught.value.http_status == 404


@pytest.mark.parametrize(
    "operation",
    [
        lambda conn: conn.cursor().execute("SELECT 1"),
        lambda conn: conn.client.list_streams(),
        lambda conn: conn.client.list_queries(),
    ],
    ids=["execute", "list_streams", "list_queries"],
)
def test_an_unknown_workspace_is_named_by_the_driver_whatever_the_server_says(
    operation: Any,
) -> None:
    server = Loopback(
        lambda request: [(0.0, response(404, f"no such path {request.path}".encode()))]
    )
    try:
        with db.connect(server.dsn("nows"), timeout=5) as conn:
            with pytest.raises(db.ProgrammingError, match="workspace 'nows' not found"):
                operation(conn)
    finally:
        server.close()


def test_a_404_for_an_unknown_stream_is_not_blamed_on_the_workspace(emulator: Any) -> None:
    with db.connect(emulator.dsn) as conn:
        with pytest.raises(db.ProgrammingError) as caught:
            conn.client.get_stream(f"missing_{uuid.uuid4().hex[:8]}")
    assert "workspace" not in str(caught.value)
