# syntax=docker/dockerfile:1
# One image for every mgov process: the gateway (`python -m gateway`), the services
# (`python -m services.<name>`) and `mgov migrate`; Kubernetes picks the command
# (deploy/k8s). No secrets are baked in: everything comes from the environment.
#
#   docker build -t mgov:dev .
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/mgov
WORKDIR /src
# Dependencies first, exactly as pinned (a layer that changes only with the lock).
COPY requirements.lock ./
RUN /opt/mgov/bin/pip install --require-virtualenv -r requirements.lock
# Then the project itself, not editable, without resolving anything again.
COPY pyproject.toml ./
COPY proto ./proto
COPY mgov_common ./mgov_common
COPY launcher ./launcher
COPY services ./services
COPY gateway ./gateway
RUN /opt/mgov/bin/pip install --require-virtualenv --no-deps --no-build-isolation . \
 && /opt/mgov/bin/python -m compileall -q /opt/mgov/lib

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="mgov" \
      org.opencontainers.image.description="mgov mobile-government platform: gateway, services and migrations" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 mgov \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mgov
COPY --from=build /opt/mgov /opt/mgov
ENV PATH=/opt/mgov/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MGOV_HOME=/tmp/mgov
# The code lives in the virtualenv's site-packages; the working directory stays
# read-only and holds nothing importable.
WORKDIR /opt/mgov
USER 10001:10001
EXPOSE 8000 50051 50052 50053 50054
CMD ["python", "-m", "gateway"]
