"""Property-based fuzzing of the published API schema with schemathesis (SPEC 3.8, issue 13).

Shared by the suite (tests/test_fuzz.py: a few examples per operation) and the longer run
(bench/fuzz.py). Every operation of /api/openapi.json gets generated requests, sent in-process through
Django's WSGI handler with a user's Bearer token; each response must

- not be a server error (5xx),
- carry a status code the schema declares for that operation,
- conform to the declared response schema and content type.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable
from typing import Any

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclasses.dataclass
class FuzzResult:
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["failures"] = len(self.failures)
        return data


def quiet_wsgi_app() -> Callable:
    """Django's WSGI handler. The caller keeps the database connection open across requests (in a test,
    the test's transaction) by disconnecting `close_old_connections`, as Django's test client does."""
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def keep_connections_open() -> Callable[[], None]:
    """Disconnect Django's per-request connection closing; returns a function that restores it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def restore() -> None:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    return restore


def load_schema(app: Callable) -> Any:
    import schemathesis

    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def _checks() -> list:
    from schemathesis import checks

    return [getattr(checks, name) for name in CHECK_NAMES]


def fuzz(
    app: Callable,
    tokens: dict[str, str],
    *,
    max_examples: int,
    seed: int = 13,
    operations: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> FuzzResult:
    """Run `max_examples` generated requests per operation and per token; collect every failure."""
    schema = load_schema(app)
    checks = _checks()
    result = FuzzResult()
    wanted = set(operations) if operations else None
    ops = [r.ok() for r in schema.get_all_operations()]
    for operation in ops:
        label = f"{operation.method.upper()} {operation.path}"
        if wanted and label not in wanted:
            continue
        result.operations += 1
        for who, token in tokens.items():
            _fuzz_operation(operation, label, who, {"Authorization": f"Bearer {token}"}, checks, result,
                            max_examples=max_examples, seed=seed)
        if progress:
            progress(label)
    return result


def _fuzz_operation(
    operation: Any, label: str, who: str, headers: dict, checks: list, result: FuzzResult, *, max_examples: int, seed: int
) -> None:
    import hypothesis
    from hypothesis import HealthCheck, Phase, strategies
    from schemathesis.core.failures import FailureGroup

    seen: set[str] = set()
    strategy = operation.as_strategy()

    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis.seed(seed)
    @hypothesis.given(data=strategies.data())
    def run(data: Any) -> None:
        case = data.draw(strategy)
        result.requests += 1
        response = case.call(headers=headers)
        if response.status_code >= 500:
            result.server_errors += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (AssertionError, FailureGroup) as exc:
            if response.status_code < 500:
                result.schema_violations += 1
            kinds = ", ".join(sorted({type(e).__name__ for e in getattr(exc, "exceptions", [exc])}))
            key = f"{label} [{who}] {kinds}"
            if key not in seen:
                seen.add(key)
                body = response.text[:300] if hasattr(response, "text") else ""
                result.failures.append(
                    f"{key}\n    status {response.status_code}: {body}\n    {_describe(case)}\n"
                    + "\n".join("    " + line for line in str(exc).splitlines()[:12])
                )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()


def _describe(case: Any) -> str:
    try:
        return case.as_curl_command()[:400]
    except Exception:  # noqa: BLE001 - only a description for the report
        return f"{case.method} {case.formatted_path}"
