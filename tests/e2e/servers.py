"""The two roles as real server processes, stoppable and restartable on the same port."""

from pathlib import Path

from deploy.harness import RoleProcess, port_outside_ephemeral_range


class RoleServer(RoleProcess):
    """One role through the image's entry point, ready once its /readyz says so.

    Its port lies outside the ephemeral range, so ``stop`` then ``start``
    gets it back, as a restarted pod keeps its Service.
    """

    def __init__(self, name: str, env: dict, log_dir: Path):
        super().__init__(
            env,
            name=name,
            port=port_outside_ephemeral_range(),
            log_path=log_dir / f"{name}.log",
            ready_path="/readyz",
            ready_status=200,
        )
