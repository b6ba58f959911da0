"""Helpers shared by the Superset end-to-end checks (``e2e_check.py``, ``e2e_features.py``):
Superset's REST API through the Flask test client, time budgets, expectations."""

from __future__ import annotations

import concurrent.futures
import json
import os
import time
from typing import Any, Callable, TypeVar

STEP_BUDGET_S = 60.0
T = TypeVar("T")


class CheckFailed(AssertionError):
    """A step returned something other than what Superset over Timeplus must return."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def timed(name: str, step: Callable[[], T]) -> T:
    """Run ``step`` with the time budget; print its duration; exit the process on a hang."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    started = time.monotonic()
    future = pool.submit(step)
    try:
        result = future.result(timeout=STEP_BUDGET_S)
    except concurrent.futures.TimeoutError:
        print(f"FAIL {name}: no answer within {STEP_BUDGET_S:.0f}s (hang)", flush=True)
        os._exit(2)
    finally:
        pool.shutdown(wait=False)
    print(f"ok   {name} ({time.monotonic() - started:.2f}s)", flush=True)
    return result


class Api:
    """Superset's REST API through the Flask test client, logged in with a JWT."""

    def __init__(self, app: Any, username: str, password: str) -> None:
        self.client = app.test_client()
        payload = {"username": username, "password": password, "provider": "db", "refresh": False}
        answer = self.client.post("/api/v1/security/login", json=payload)
        expect(answer.status_code == 200, f"login failed: {answer.status_code}")
        self.headers = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = self.client.open(path, method=method, json=body, headers=self.headers)
        return self._answer(method, path, answer, status)

    def post_form(self, path: str, form: dict[str, Any], status: int) -> Any:
        """A multipart/form-data POST (file uploads)."""
        answer = self.client.post(
            path, data=form, headers=self.headers, content_type="multipart/form-data"
        )
        return self._answer("POST", path, answer, status)

    @staticmethod
    def _answer(method: str, path: str, answer: Any, status: int) -> Any:
        text = answer.get_data(as_text=True)
        expect(answer.status_code == status, f"{method} {path}: {answer.status_code} {text[:800]}")
        return json.loads(text) if text else None


def create_database(api: Api, name: str, uri: str) -> int:
    body = {
        "database_name": name,
        "sqlalchemy_uri": uri,
        "expose_in_sqllab": True,
        "allow_file_upload": True,
    }
    return int(api.call("POST", "/api/v1/database/", body, status=201)["id"])


def chart_data(api: Api, dataset_id: int, query: dict[str, Any], result_type: str = "full") -> Any:
    body = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": True,
        "queries": [query],
        "result_format": "json",
        "result_type": result_type,
    }
    (result,) = api.call("POST", "/api/v1/chart/data", body)["result"]
    return result


def sql_lab(api: Api, database_id: int, sql: str, limit: int, schema: str | None) -> Any:
    body = {
        "database_id": database_id,
        "sql": sql,
        "queryLimit": limit,
        "runAsync": False,
        "schema": schema,
        "client_id": os.urandom(5).hex(),
    }
    payload = api.call("POST", "/api/v1/sqllab/execute/", body)
    expect(payload["status"] == "success", f"SQL Lab: {payload}")
    return payload
