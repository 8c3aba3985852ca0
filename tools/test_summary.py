"""Print how many tests ran on each database and in the browser, from the JUnit XML files."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own test output
from pathlib import Path


def counts(path: Path) -> dict[str, int]:
    root = ET.parse(path).getroot()  # noqa: S314
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, 0))
    return total


def main(paths: list[str]) -> int:
    grand = {"passed": 0, "failed": 0, "skipped": 0}
    print("\nTest summary")
    for name in paths:
        path = Path(name)
        if not path.exists():
            print(f"  {path.stem:<9} no results")
            continue
        c = counts(path)
        failed = c["failures"] + c["errors"]
        passed = c["tests"] - failed - c["skipped"]
        grand["passed"] += passed
        grand["failed"] += failed
        grand["skipped"] += c["skipped"]
        print(f"  {path.stem:<9} {passed} passed, {failed} failed, {c['skipped']} skipped")
    print(f"{grand['passed']} passed, {grand['failed']} failed, {grand['skipped']} skipped")
    return 1 if grand["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
