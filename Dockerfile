# One image for both roles; TASKMANAGER_ROLE picks api or ui at run time.
#
#   docker build -t taskmanager:0.1.0 .
#   podman build -t taskmanager:0.1.0 .
#
# BASE_IMAGE is any Debian-based image with Python 3.11 as `python3` on PATH
# (and its venv/ensurepip module); both stages use the same one, so the
# virtual environment's interpreter link stays valid in the final image.
ARG BASE_IMAGE=python:3.11.17-slim-bookworm

# --- builder: the dependencies, into a self-contained virtual environment ---------
FROM ${BASE_IMAGE} AS builder

# Only for builds on networks that need them: another package index, and a CA
# bundle for a TLS-inspecting proxy, given as a build secret
# (--secret id=pip_cert,src=/path/to/ca-bundle.crt). Neither reaches the final image.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

COPY requirements/base.txt /tmp/requirements.txt
# Wheels only: nothing is compiled, so the builder needs no compiler either.
# pip and setuptools are removed afterwards (nothing installs at run time), and
# bytecode is written once, validated by source hash rather than by file times
# that copying between stages need not keep.
RUN --mount=type=secret,id=pip_cert \
    if [ -f /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --only-binary=:all: --no-compile --requirement /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall --yes pip setuptools \
 && /opt/venv/bin/python -m compileall -q --invalidation-mode checked-hash /opt/venv/lib

# --- runtime -------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime

# The root filesystem is read-only when deployed: Python must not try to write
# bytecode, and HOME points at the one writable place.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    HOME=/tmp \
    PORT=8000

# A fixed numeric identity that Kubernetes' runAsUser/runAsGroup can name.
RUN echo "taskmanager:x:10001:10001:taskmanager:/nonexistent:/usr/sbin/nologin" >> /etc/passwd \
 && echo "taskmanager:x:10001:" >> /etc/group

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY manage.py ./
COPY deploy/serve.py deploy/entrypoint.sh ./deploy/
COPY taskmanager ./taskmanager

# Static files for both roles are collected now (content-hashed and compressed
# for WhiteNoise), so the container writes nothing at run time. The key and the
# API URL only let the settings load; neither is stored in the image.
RUN python -m compileall -q --invalidation-mode checked-hash manage.py deploy taskmanager \
 && for role in api ui; do \
      TASKMANAGER_ROLE="$role" \
      SECRET_KEY=collectstatic-at-build-time-only \
      TASKMANAGER_API_URL=http://api.invalid \
      python manage.py collectstatic --noinput --verbosity 0 || exit 1; \
    done

# Last, so a new revision rebuilds only these two small steps. The file lets a
# running container tell what it is; writing it is also what keeps the labels
# current under podman, whose layer cache notices changed build arguments only
# in RUN steps.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE_URL=unknown
RUN printf 'version=%s\nrevision=%s\nsource=%s\n' "$VERSION" "$REVISION" "$SOURCE_URL" > /app/build-info
LABEL org.opencontainers.image.title="taskmanager" \
      org.opencontainers.image.description="Multi-user task manager: the API role and the UI role in one image (TASKMANAGER_ROLE=api|ui)." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"

USER 10001:10001
# 8000: the role (PORT); 9100: its Prometheus metrics (METRICS_PORT).
EXPOSE 8000 9100
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["serve"]
