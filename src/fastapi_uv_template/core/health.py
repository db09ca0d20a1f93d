"""Probes for orchestrators: liveness checks nothing but the process, readiness checks what
the service depends on (readiness.py)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

router = APIRouter(tags=["health"])


# Each probe answers GET and HEAD (some load balancers and uptime checks probe with it) from one
# route, so that a 405 names both in Allow; a second, GET-only route documents it in the schema.
@router.get("/healthz")
@router.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
@router.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
async def readiness(request: Request) -> JSONResponse:
    if failing := await request.app.state.readiness.failures():
        # Dependency names and errors tell a stranger about the inside: only if the operator
        # asks (APP_READY_DETAILS); the log has them either way (readiness.py).
        details = {"failing": failing} if request.app.state.settings.ready_details else {}
        return JSONResponse({"status": "not ready", **details}, status_code=503)
    return JSONResponse({"status": "ready"})


PROBE_PATHS = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
