#!/usr/bin/env python3
"""Prints 'N passed, N failed' over every test case Bazel ran.

Reads the JUnit XML that Bazel writes for each test target (test.xml under
bazel-testlogs). For a test that is not a GoogleTest binary, Bazel writes one
case for the whole target, failed when it exited non-zero.
Exits 1 when any case failed or nothing ran.
"""

import os
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs"
    passed = failed = 0
    failures = []
    for dirpath, _, filenames in os.walk(root, followlinks=True):
        if "test.xml" not in filenames:
            continue
        path = os.path.join(dirpath, "test.xml")
        try:
            tree = ET.parse(path)
        except ET.ParseError:
            failed += 1
            failures.append(path)
            continue
        for case in tree.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                failures.append(f"{path}: {case.get('classname')}.{case.get('name')}")
            elif case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            else:
                passed += 1
    for f in failures:
        print(f"FAILED: {f}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
