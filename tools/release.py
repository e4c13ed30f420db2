"""The digest each released version of cvae_utils was made from (releases.json).

    python -m tools.release            # the current version, its digest, recorded or not
    python -m tools.release --record   # record the current version's digest
    python -m tools.release --check    # exit 1 unless the package is its version's release

A chapter's Colab cell installs the tag ``v<__version__>``
(.github/workflows/release.yml creates it), so a version must name one
package: the code the pages ran on. ``releases.json`` maps every version to
the SHA-256 digest of the package's files (the ``.py`` files and the package
data of pyproject.toml, by sorted relative path). ``--record`` refuses to
give a recorded version another digest: change the package, bump
``__version__`` (``--force`` overwrites, for a version never tagged).
tests/test_release.py fails when the package differs from its record.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cvae_utils"
RELEASES = ROOT / "releases.json"
RECORD = "python -m tools.release --record"


def package_files(root: Path = ROOT) -> list[Path]:
    """The files a release consists of: every ``.py`` of the package and
    the package data that pyproject.toml ships, sorted by relative path."""
    root = Path(root)
    package = root / PACKAGE
    if not package.is_dir():
        raise ValueError(
            f"expected a repository with a {PACKAGE}/ folder, "
            f"got {str(root)!r}"
        )
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    data = (
        pyproject.get("tool", {})
        .get("setuptools", {})
        .get("package-data", {})
        .get(PACKAGE, [])
    )
    files = set(package.rglob("*.py"))
    for pattern in data:
        files.update(package.glob(pattern))
    files = {f for f in files if f.is_file() and "__pycache__" not in f.parts}
    return sorted(files, key=lambda f: f.relative_to(root).as_posix())


def digest(root: Path = ROOT) -> str:
    """SHA-256 of the package: each file's relative path and bytes, in
    order (a file renamed, added or removed changes it, as does any byte)."""
    sha = hashlib.sha256()
    for path in package_files(root):
        name = path.relative_to(root).as_posix().encode()
        content = path.read_bytes()
        for part in (name, content):
            sha.update(len(part).to_bytes(8, "big"))
            sha.update(part)
    return sha.hexdigest()


def version(root: Path = ROOT) -> str:
    """``__version__`` as written in the package's __init__.py (not
    imported: the digest must not depend on what the import does)."""
    tree = ast.parse((Path(root) / PACKAGE / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise ValueError(f"{PACKAGE}/__init__.py has no __version__ = '...'")


def releases(path: Path = RELEASES) -> dict:
    """The recorded {version: digest}; empty when nothing is recorded."""
    path = Path(path)
    if not path.exists():
        return {}
    recorded = json.loads(path.read_text())
    if not isinstance(recorded, dict):
        raise ValueError(
            f"{path} must hold a JSON object "
            f"{{version: digest}}, got {type(recorded).__name__}"
        )
    return recorded


def problem(root: Path = ROOT, path: Path | None = None) -> str:
    """Why the package is not its version's release, or "" when it is."""
    path = Path(root) / "releases.json" if path is None else Path(path)
    current, recorded = version(root), releases(path).get(version(root))
    if recorded is None:
        return (
            f"version {current} has no recorded digest in {path.name}: "
            f"run `{RECORD}`"
        )
    if recorded != digest(root):
        return (
            f"the package differs from release {current} as recorded "
            f"in {path.name}: bump __version__ in {PACKAGE}/__init__.py, "
            f"then run `{RECORD}` and "
            "`python -m tools.notebook --colab-cells chapters/*.ipynb`"
        )
    return ""


def record(
    root: Path = ROOT, path: Path | None = None, force: bool = False
) -> str:
    """Write the current version's digest to releases.json and return it.
    Raises ValueError if that version has another digest already (unless
    ``force``): a released version must not change."""
    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False, got {force!r}")
    path = Path(root) / "releases.json" if path is None else Path(path)
    current, new = version(root), digest(root)
    recorded = releases(path)
    if recorded.get(current, new) != new and not force:
        raise ValueError(
            f"version {current} was recorded with another digest: the "
            f"package changed since, so bump __version__ in "
            f"{PACKAGE}/__init__.py (or --force, if {current} was never "
            "tagged)"
        )
    recorded[current] = new
    path.write_text(
        json.dumps(dict(sorted(recorded.items())), indent=1) + "\n"
    )
    return new


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.release", description=__doc__.splitlines()[0]
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--record",
        action="store_true",
        help="record the current version's digest",
    )
    action.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless the package is its release",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --record: overwrite a different digest",
    )
    args = parser.parse_args(argv)
    if args.force and not args.record:
        parser.error("--force goes with --record")
    if args.record:
        try:
            value = record(force=args.force)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{version()}: {value} recorded in {RELEASES.name}")
        return 0
    why = problem()
    print(f"{version()}: {digest()}", "(" + (why or "recorded") + ")")
    return 1 if args.check and why else 0


if __name__ == "__main__":
    sys.exit(main())
