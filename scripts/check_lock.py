#!/usr/bin/env python3
"""The lock files agree with pyproject.toml: every pinned dependency (and,
in requirements-dev.lock, every dev tool) is locked at the same version.
Run `make lock` after changing pyproject.toml's dependencies."""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        "requirements.lock": project["dependencies"],
        "requirements-dev.lock": [
            *project["dependencies"],
            *project["optional-dependencies"]["dev"],
        ],
    }
    problems = []
    for lock, requirements in wanted.items():
        path = ROOT / lock
        if not path.exists():
            problems.append(f"{lock} is missing")
            continue
        pins = locked(path)
        for requirement in requirements:
            match = PIN.match(requirement.strip())
            if not match:
                problems.append(
                    f"pyproject.toml: {requirement!r} is not pinned with =="
                )
                continue
            name, version = canonical(match.group(1)), match.group(2)
            if pins.get(name) != version:
                problems.append(
                    f"{lock}: {name} is {pins.get(name, 'missing')}, "
                    f"pyproject.toml says {version}"
                )
        if "--hash=sha256:" not in path.read_text(encoding="utf-8"):
            problems.append(f"{lock} has no hashes")
    for problem in problems:
        print(problem)
    if problems:
        print("Run `make lock` and commit the lock files.")
        return 1
    print("lock files agree with pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
