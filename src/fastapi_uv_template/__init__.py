"""A FastAPI service built from the fastapi-uv-template."""
