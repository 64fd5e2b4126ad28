"""The local base image the container tests build the project's Dockerfile on.

Nothing can be pulled from a container registry on the test machines, so the
tests stand in for the official slim Python image with one of their own: a
minimal Debian bookworm root filesystem (``debootstrap --variant=minbase``)
holding Debian's ``python3`` (3.11, the version the suite runs on) and
``python3-venv`` (which brings ``ensurepip``), imported into podman. It is made
once and reused while it exists.

The packages come from the Debian mirror this machine's own apt sources name,
read at run time. Run ``python -m tests.container.base_image [--rebuild]`` to
make it by hand.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "deploy" / "containers.conf"
BASE_IMAGE = "localhost/taskmanager-base:bookworm"
SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv")
APT_DIR = Path("/etc/apt")
# What the official image declares too; an imported root filesystem has no config of its own.
IMAGE_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
)


@dataclass(frozen=True)
class AptSource:
    types: tuple[str, ...]
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str = ""


def _one_line_sources(text: str) -> list[AptSource]:
    """``deb [options] uri suite component...`` lines (sources.list, *.list)."""
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        options = {}
        rest = rest.strip()
        if rest.startswith("["):
            option_text, _, rest = rest[1:].partition("]")
            options = dict(item.split("=", 1) for item in option_text.split() if "=" in item)
        words = rest.split()
        if len(words) < 2:
            continue
        sources.append(
            AptSource(
                types=(kind,),
                uri=words[0],
                suites=(words[1],),
                components=tuple(words[2:]),
                signed_by=options.get("signed-by", ""),
            )
        )
    return sources


def _deb822_sources(text: str) -> list[AptSource]:
    """Stanzas of ``Key: value`` fields separated by blank lines (*.sources)."""
    sources = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if not fields.get("uris") or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields["uris"].split():
            sources.append(
                AptSource(
                    types=tuple(fields.get("types", "deb").split()),
                    uri=uri,
                    suites=tuple(fields.get("suites", "").split()),
                    components=tuple(fields.get("components", "").split()),
                    signed_by=fields.get("signed-by", ""),
                )
            )
    return sources


def read_apt_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    sources = []
    one_line_files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in one_line_files:
        if path.is_file():
            sources += _one_line_sources(path.read_text())
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        sources += _deb822_sources(path.read_text())
    return sources


def debian_mirror(sources: list[AptSource], suite: str = SUITE) -> AptSource:
    """The first binary source that carries ``suite``'s main component."""
    for source in sources:
        if "deb" in source.types and suite in source.suites and "main" in source.components:
            return source
    raise LookupError(
        f"no apt source for Debian {suite} main in {APT_DIR}; "
        "the container tests build their base image from the machine's own Debian mirror"
    )


def podman(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(CONTAINERS_CONF))}
    return subprocess.run(["podman", *args], env=env, **kwargs)


def image_exists(name: str = BASE_IMAGE) -> bool:
    return podman("image", "exists", name).returncode == 0


def build_base_image(log_path: Path, name: str = BASE_IMAGE) -> None:
    """debootstrap a minimal bookworm with Python into a scratch folder and import it."""
    mirror = debian_mirror(read_apt_sources())
    command = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}"]
    if mirror.signed_by.startswith("/"):
        command.append(f"--keyring={mirror.signed_by}")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="taskmanager-base-", dir="/var/tmp") as scratch:
        rootfs = Path(scratch) / "rootfs"
        with open(log_path, "ab") as log:
            log.write(f"$ {' '.join(command)} {SUITE} {rootfs} {mirror.uri}\n".encode())
            log.flush()
            subprocess.run(
                [*command, SUITE, str(rootfs), mirror.uri],
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
        # Downloaded .deb files and package lists are only needed to install.
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / leftover).glob("*"):
                if entry.is_file():
                    entry.unlink()
        archive = Path(scratch) / "rootfs.tar"
        subprocess.run(
            ["tar", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-cf", str(archive), "."],
            check=True,
        )
        changes = [arg for change in IMAGE_CHANGES for arg in ("--change", change)]
        with open(log_path, "ab") as log:
            podman("import", *changes, str(archive), name, stdout=log, stderr=subprocess.STDOUT, check=True)


def ensure_base_image(log_path: Path, name: str = BASE_IMAGE) -> str:
    """The base image's name, built first when podman does not have it yet."""
    if not image_exists(name):
        build_base_image(log_path, name)
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="remove and rebuild an existing image")
    parser.add_argument("--log", type=Path, default=Path("test-artifacts/container/base-image.log"))
    args = parser.parse_args(argv)
    for tool in ("podman", "debootstrap"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (apt-get install {tool})", file=sys.stderr)
            return 1
    if os.geteuid() != 0:
        print("debootstrap needs root", file=sys.stderr)
        return 1
    if args.rebuild and image_exists():
        podman("rmi", BASE_IMAGE, check=True)
    print(ensure_base_image(args.log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
