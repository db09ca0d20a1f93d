# The usual single-stage image, as in the FastAPI container docs: requirements first, then the
# code, one image. The benchmark builds the same app with it to compare against the template.
ARG PYTHON_IMAGE=python:3.13-slim
FROM ${PYTHON_IMAGE}
WORKDIR /code
COPY requirements.txt /code/requirements.txt
RUN pip install --no-cache-dir --upgrade -r /code/requirements.txt
# pyproject.toml only tells `fastapi run` the entrypoint ([tool.fastapi]).
COPY pyproject.toml /code/pyproject.toml
COPY src /code/src
ENV PYTHONPATH=/code/src
CMD ["fastapi", "run"]
