"""Probes for orchestrators: liveness checks nothing but the process, readiness checks what
the service depends on (readiness.py)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

router = APIRouter(tags=["health"])


# HEAD too (some load balancers and uptime checks probe with it), left out of the schema.
@router.get("/healthz")
@router.head("/healthz", include_in_schema=False)
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
@router.head("/readyz", include_in_schema=False)
async def readiness(request: Request) -> JSONResponse:
    if failing := await request.app.state.readiness.failures():
        return JSONResponse({"status": "not ready", "failing": failing}, status_code=503)
    return JSONResponse({"status": "ready"})


PROBE_PATHS = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
