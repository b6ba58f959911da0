"""The ``/v1beta2/materialized_views`` endpoints of the enterprise spec (E-SPEC 2025).

Owns: the MaterializedView and MaterializedViewStats JSON and the list, get, delete,
pause, resume and stats handlers. Routed for the ``enterprise`` profile only: the cloud
spec (G-SPEC) has no such paths, so there they answer 404 like any unknown path.

Choices where the spec is silent (PROTOCOL.md's [?]):

* The emulator is one node: ``leader_node`` is 1 and ``nodes`` lists node 1 only;
  ``memory`` and the ``status_code`` named by the ``expand`` description (not in the
  schema) are left out.
* ``GET /materialized_views`` adds ``status``, ``status_ts``, ``lagging``, ``leader_node``
  and ``last_error_message`` only with ``?expand=true``; ``GET /materialized_views/{name}``
  (which has no ``expand`` parameter) always includes them.
* ``lagging`` counts the source rows the view's query has not read yet (for a paused view,
  the rows ingested since it paused). ``row_count`` and the event times of ``/stats`` are
  those of the target stream, from the same code as ``/streams/{name}/stats``.
* ``logstore_retention_*`` and ``ttl_expression`` are the target stream's.
* An unknown name, or the name of a plain view, answers 404 on every endpoint (DELETE
  documents no 404; the emulator still answers it rather than pretending success).
* ``pause``/``resume`` answer 200 with an empty body. ``?sync=true`` waits (up to
  :data:`SYNC_TIMEOUT` s) until the query has stopped or runs again, else answers 500
  with code 159. Pausing a paused view, or resuming a running one, does nothing.
* ``recover`` and ``transfer`` answer 501 (code 48): the emulator has no checkpoints to
  recover from and no shards or replicas to move.
"""

from __future__ import annotations

from typing import Any

from timeplus_emulator.api import Api, bool_param, stream_counts
from timeplus_emulator.backend import EngineError
from timeplus_emulator.catalog import StreamInfo, ViewInfo
from timeplus_emulator.httpio import HttpError, Request
from timeplus_emulator.viewcontrol import ViewControl

SYNC_TIMEOUT = 5.0
LEADER_NODE = 1
NOT_IMPLEMENTED = 48
TIMEOUT_EXCEEDED = 159
_OWNER = {"name": "emulator", "id": "emulator"}
_VIEW_FIELDS = ("name", "db", "query", "target_stream", "columns", "description",
                "created_at", "create_query")
_COUNT_FIELDS = ("row_count", "streaming_data_bytes", "historical_data_bytes",
                 "earliest_event", "latest_event")


class MaterializedViewsApi:
    """Handlers of ``/materialized_views`` for one emulator instance (enterprise profile)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.engine = api.engine

    # ------------------------------------------------------------------ lookups
    def _view(self, req: Request, name: str) -> ViewInfo:
        try:
            db = self.engine.resolve_db(req.query.get("db"))
        except EngineError as exc:
            raise self.api.sql_error(exc, resource=True) from None
        view = self.engine.views.get((db, name))
        if view is None or not view.materialized:
            raise HttpError(404, 60, f"materialized view {db}.{name} not found",
                            system="appserver")
        return view

    def _target(self, view: ViewInfo) -> StreamInfo:
        try:
            return self.engine.stream(view.target_database or view.database,
                                      view.target_stream or view.name)
        except EngineError as exc:
            raise self.api.sql_error(exc, resource=True) from None

    # ------------------------------------------------------------------ JSON
    def view_json(self, view: ViewInfo, expand: bool) -> dict[str, Any]:
        """The MaterializedView object; runtime fields only with ``expand``."""
        base = view.to_json()
        out = {key: base[key] for key in _VIEW_FIELDS}
        target = self.engine.streams.get((view.target_database or view.database,
                                          view.target_stream or view.name))
        out.update({
            "ttl_expression": target.ttl_expression or "" if target else "",
            "logstore_retention_bytes": target.logstore_retention_bytes if target else 0,
            "logstore_retention_ms": target.logstore_retention_ms if target else 0,
            "created_by": _OWNER, "last_updated_at": view.created_at, "last_updated_by": _OWNER,
        })
        if expand:
            out.update(_runtime(self.engine.view_control(view)))
        return out

    # ------------------------------------------------------------------ endpoints
    def list(self, req: Request) -> None:
        expand = bool_param(req, "expand")
        try:
            db = self.engine.resolve_db(req.query.get("db"))
        except EngineError as exc:
            raise self.api.sql_error(exc, resource=True) from None
        views = [v for v in self.engine.views_in(db) if v.materialized]
        req.send_json(200, [self.view_json(v, expand) for v in views])

    def get(self, req: Request, name: str) -> None:
        req.send_json(200, self.view_json(self._view(req, name), True))

    def delete(self, req: Request, name: str) -> None:
        view = self._view(req, name)
        try:
            self.engine.drop_view(view.database, view.name, False)
        except EngineError as exc:
            raise self.api.sql_error(exc, resource=True) from None
        req.send(204)

    def pause(self, req: Request, name: str) -> None:
        self._switch(req, name, "pause")

    def resume(self, req: Request, name: str) -> None:
        self._switch(req, name, "resume")

    def _switch(self, req: Request, name: str, action: str) -> None:
        """Pause or resume; with ``?sync=true`` wait until the view has done it."""
        control = self.engine.view_control(self._view(req, name))
        sync = bool_param(req, "sync")
        switch = control.pause if action == "pause" else control.resume
        if not switch(SYNC_TIMEOUT if sync else 0.0) and sync:
            raise _sync_timeout(name, action)
        req.send(200)

    def stats(self, req: Request, name: str) -> None:
        view = self._view(req, name)
        target = self._target(view)
        try:
            counts = stream_counts(self.engine, target)
        except EngineError as exc:
            raise self.api.sql_error(exc, resource=True) from None
        runtime = _runtime(self.engine.view_control(view))
        node = {"node_id": LEADER_NODE, "status": runtime["status"],
                "status_ts": runtime["status_ts"],
                "streaming_data_bytes": counts["streaming_data_bytes"],
                "historical_data_bytes": counts["historical_data_bytes"]}
        if runtime.get("last_error_message"):
            node["last_error_message"] = runtime["last_error_message"]
        out = {key: counts[key] for key in _COUNT_FIELDS}
        out.update(runtime)
        out["nodes"] = [node]
        req.send_json(200, out)

    def recover(self, req: Request, name: str) -> None:
        self._view(req, name)
        raise HttpError(501, NOT_IMPLEMENTED, "recovering a materialized view is not "
                        "emulated: the emulator keeps no checkpoints", system="appserver")

    def transfer(self, req: Request, name: str) -> None:
        self._view(req, name)
        raise HttpError(501, NOT_IMPLEMENTED, "transferring a shard leader is not emulated: "
                        "the emulator is a single node", system="appserver")


def _runtime(control: ViewControl) -> dict[str, Any]:
    out: dict[str, Any] = {"status": control.status, "status_ts": control.status_ts,
                           "leader_node": LEADER_NODE}
    lagging = control.lagging
    if lagging is not None:
        out["lagging"] = lagging
    if control.last_error_message:
        out["last_error_message"] = control.last_error_message
    return out


def _sync_timeout(name: str, action: str) -> HttpError:
    return HttpError(500, TIMEOUT_EXCEEDED, f"materialized view {name} did not {action} "
                     f"within {SYNC_TIMEOUT:g} s", system="appserver")
