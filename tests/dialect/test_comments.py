"""Column and stream comments: ``Column(comment=...)`` becomes the column's ``COMMENT '...'`` in
CREATE STREAM (Timeplus docs, ``append-stream.md``), ``Table(comment=...)`` the stream's
COMMENT; both reflect back, on both profiles (cloud: the REST StreamDef's column ``comment``;
enterprise: SQL DDL) and on a mutable stream. Changing a comment later is refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.schema import SetColumnComment, SetTableComment

from sqlalchemy_timeplus.dialect import TimeplusDialect

ODD = "it's \"quoted\", back\\slash,\nnew line, 100% é試蛇ẟΩ"


def _table(metadata: sa.MetaData, mode: Any = None) -> sa.Table:
    return sa.Table(
        f"cm_{uuid.uuid4().hex[:10]}", metadata,
        sa.Column("id", sa.Integer, primary_key=mode is not None, comment="the key"),
        sa.Column("odd", sa.String, comment=ODD),
        sa.Column("plain", sa.Float),
        comment="stream comment",
        timeplus_mode=mode,
    )


@pytest.mark.parametrize("mode", [None, "mutable"])
def test_comments_round_trip(profile_engine: sa.engine.Engine, mode: Any) -> None:
    metadata = sa.MetaData()
    table = _table(metadata, mode)
    try:
        metadata.create_all(profile_engine)
    except exc.DBAPIError as error:
        assert mode == "mutable", error  # the cloud profile has no mutable streams
        assert "Enterprise" in str(error)
        return
    try:
        inspector = sa.inspect(profile_engine)
        comments = {c["name"]: c["comment"] for c in inspector.get_columns(table.name)}
        assert comments == {"id": "the key", "odd": ODD, "plain": None, "_tp_time": None}
        assert inspector.get_table_comment(table.name) == {"text": "stream comment"}
    finally:
        metadata.drop_all(profile_engine)


def test_create_statement_carries_the_comments() -> None:
    table = _table(sa.MetaData())
    text = str(sa.schema.CreateTable(table).compile(dialect=TimeplusDialect()))
    assert "\tid nullable(int32) COMMENT 'the key',\n" in text
    assert "\todd nullable(string) COMMENT 'it\\'s \"quoted\", back\\\\slash,\nnew line" in text
    assert "\tplain nullable(float64)\n)\nCOMMENT 'stream comment'" in text


def test_comments_cannot_change_after_creation() -> None:
    table = _table(sa.MetaData())
    with pytest.raises(exc.CompileError, match="only when the stream is created"):
        SetColumnComment(table.c.plain).compile(dialect=TimeplusDialect())
    with pytest.raises(exc.CompileError, match="after creation"):
        SetTableComment(table).compile(dialect=TimeplusDialect())
