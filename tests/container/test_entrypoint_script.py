"""The image's entry point is plain POSIX sh (the base may have only dash), checked by shellcheck."""

import shutil
import subprocess

from tests.container.base_image import ROOT
from tests.container.podman import unavailable

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def test_entrypoint_passes_shellcheck_as_posix_sh():
    if shutil.which("shellcheck") is None:
        unavailable("shellcheck is not installed (apt-get install shellcheck)")
    result = subprocess.run(
        ["shellcheck", "--shell=sh", "--severity=style", str(ENTRYPOINT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_entrypoint_is_executable_and_starts_with_sh():
    assert ENTRYPOINT.stat().st_mode & 0o111
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
