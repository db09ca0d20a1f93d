"""Probes for orchestrators: liveness never checks dependencies, readiness follows the lifespan."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readiness(request: Request) -> JSONResponse:
    if request.app.state.ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready"}, status_code=503)


PROBE_PATHS = frozenset(route.path for route in router.routes)
