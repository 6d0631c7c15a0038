#!/usr/bin/env python3
"""Summarise a bun JUnit report for .ci/run.

usage: junit_summary.py --list [bun test args...] > FILES     (before the run)
       junit_summary.py REPORT LOG BUN_STATUS EXTRA_FAILURES FILES [bun test args...]

Counts passed/failed/skipped test cases, lists skipped tests with a reason, and counts as failed:
every test file on disk that has no testsuite in the report (it failed to load, or defines no
test), every file bun reported an unhandled error for, and a non-zero bun exit nothing explains.
The last line printed is exactly "N passed, N failed, N skipped". Exit status 1 on any failure.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

TEST_FILE = re.compile(r"(\.test|_test|\.spec|_spec)\.(ts|tsx|js|jsx|mjs|cjs)$")
SKIP_CALL = re.compile(r"\.(skipIf|skip|todoIf|todo|if)\s*\(([^)]*\)?)")
SKIP_NOTE = re.compile(r"//\s*skip:\s*(.+)$")


def test_files(args):
    """Files bun test would run: its name patterns, minus node_modules; args filter by substring."""
    paths = []
    for root, dirs, files in os.walk("."):
        dirs[:] = [d for d in dirs if d not in ("node_modules", ".git", "dist")]
        for f in files:
            if TEST_FILE.search(f):
                paths.append(os.path.relpath(os.path.join(root, f)))
    filters = [a.lstrip("./") for a in args if not a.startswith("-")]
    if filters:
        paths = [p for p in paths if any(f in p for f in filters)]
    return sorted(paths)


_sources = {}


def source_line(path, line):
    if path not in _sources:
        try:
            with open(path, encoding="utf-8") as fh:
                _sources[path] = fh.read().split("\n")
        except OSError:
            _sources[path] = []
    lines = _sources[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def skip_reason(case, ancestors):
    """A `// skip: why` comment above the skipping call, else the call's condition."""
    msg = (case.find("skipped").get("message") or "").strip()
    if msg == "TODO":
        return "todo"
    for el in [case, *reversed(ancestors)]:
        path, line = el.get("file"), int(el.get("line") or 0)
        if not path or not line:
            continue
        m = SKIP_CALL.search(source_line(path, line))
        if not m:
            continue
        note = SKIP_NOTE.search(source_line(path, line - 1).strip())
        if note:
            return note.group(1).strip()
        return f"{m.group(1)}({m.group(2).rstrip(')')})" if m.group(1) != "skip" else "skipped in the source"
    return msg or "skipped (no reason found in the source)"


def main():
    if sys.argv[1] == "--list":
        # Taken before the run: a file someone creates while the tests run was never bun's to load.
        names = test_files(sys.argv[2:]) if not any(a in ("-t", "--test-name-pattern") for a in sys.argv[2:]) else []
        print("\n".join(names))
        return 0
    report, log, bun_status, extra, listed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    args = sys.argv[6:]
    passed = failed = 0
    skipped = []
    failures = []
    suites = set()
    try:
        root = ET.parse(report).getroot()
    except (OSError, ET.ParseError) as e:
        root = None
        failures.append(f"no readable JUnit report ({e})")

    def walk(el, ancestors):
        nonlocal passed, failed
        for child in el:
            if child.tag == "testsuite":
                if el.tag == "testsuites" and child.get("file"):
                    suites.add(os.path.normpath(child.get("file")))
                walk(child, ancestors + [child])
            elif child.tag == "testcase":
                kids = {c.tag for c in child}
                name = " > ".join([a.get("name") for a in ancestors[1:]] + [child.get("name")])
                where = f"{child.get('file')}:{child.get('line')}"
                if "skipped" in kids:
                    skipped.append(f"{where}  {name}  — {skip_reason(child, ancestors)}")
                elif "failure" in kids or "error" in kids:
                    failed += 1
                    failures.append(f"{where}  {name}")
                else:
                    passed += 1

    if root is not None:
        walk(root, [])

    # bun prints "path:" before a file's output and "# Unhandled error between tests" for errors
    # outside any test (a failed import, a throw at load, a rejection after the test ended).
    errored = set()
    current = None
    try:
        with open(log, encoding="utf-8", errors="replace") as fh:
            for raw in fh:
                line = re.sub(r"\x1b\[[0-9;]*m", "", raw.rstrip("\n"))
                m = re.match(r"^(\S+):$", line)
                if m and TEST_FILE.search(m.group(1)):
                    current = os.path.normpath(m.group(1))
                elif line.startswith("# Unhandled error between tests"):
                    errored.add(current or "(unknown file)")
    except OSError:
        pass

    with open(listed, encoding="utf-8") as fh:
        expected = [line for line in fh.read().split("\n") if line]
    missing = [p for p in expected if os.path.normpath(p) not in suites]
    bad_files = sorted(set(missing) | errored)
    for p in bad_files:
        why = "did not load (no testsuite in the report)" if p in missing else "unhandled error outside a test"
        failures.append(f"{p}  {why}")
    failed += len(bad_files) + extra
    if extra:
        failures.append(f"{extra} check(s) outside bun test failed: namespaces left behind, deno fmt or deno lint (see above)")
    if bun_status != 0 and failed == 0:
        failed = 1
        failures.append(f"bun test exited {bun_status} without a failing test in the report")
    if passed == 0:
        failed += 1
        failures.append("no test passed")

    if skipped:
        print(f"\nskipped ({len(skipped)}):")
        for s in skipped:
            print(f"  {s}")
    if failures:
        print(f"\nfailed ({len(failures)}):")
        for f in failures:
            print(f"  {f}")
    print(f"{passed} passed, {failed} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
