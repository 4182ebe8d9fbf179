#!/usr/bin/env python3
"""pip-audit over the lock file: fails on a known vulnerability; skips, with
a message, where no vulnerability database answers (this machine reaches
only a package mirror, whose JSON API has no vulnerability data).

    .venv/bin/python scripts/audit_deps.py [requirements-dev.lock]
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 180


def main() -> int:
    lock = sys.argv[1] if len(sys.argv) > 1 else "requirements-dev.lock"
    argv = [
        str(ROOT / ".venv" / "bin" / "pip-audit"),
        "--disable-pip",  # the lock is complete and hashed: nothing to resolve
        "--requirement",
        str(ROOT / lock),
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "20",
    ]
    try:
        result = subprocess.run(  # noqa: S603 - our venv's pip-audit, argv list
            argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        print(f"pip-audit: skipped, no answer within {TIMEOUT_SECONDS} s")
        return 0
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print("pip-audit: skipped, no vulnerability database reachable:")
        print("  " + (result.stderr.strip().splitlines() or ["(no output)"])[-1])
        return 0
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(
            f"pip-audit: skipped, no vulnerability database reachable "
            f"(none of the {len(deps)} locked packages could be looked up)"
        )
        return 0
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    skipped = len(deps) - len(audited)
    print(
        f"pip-audit: {len(audited)} packages audited, {skipped} not found, "
        f"{sum(len(d['vulns']) for d in vulnerable)} known vulnerabilities"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
