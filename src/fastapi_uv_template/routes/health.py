"""Probes for orchestrators: liveness never checks dependencies, readiness follows the lifespan."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


# HEAD too (some load balancers and uptime checks probe with it), left out of the schema.
@router.get("/healthz")
@router.head("/healthz", include_in_schema=False)
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
@router.head("/readyz", include_in_schema=False)
def readiness(request: Request) -> JSONResponse:
    if request.app.state.ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready"}, status_code=503)


PROBE_PATHS = frozenset(route.path for route in router.routes)
