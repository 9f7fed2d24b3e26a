#!/usr/bin/env python3
"""Compile-fail checks: a mistake must be rejected with a message that tells the user what is wrong.

    check.py case CASE.cpp --include DIR [--compiler-id ID] -- COMPILER...
        CASE.cpp holds `// expect: <regex>` lines. Compiled as it is, it must fail and the compiler's
        output must match every regex (re.search, multi-line). Compiled with -DTAPELESS_COMPILE_OK
        (which swaps in the nearby correct code) it must succeed, so a case cannot pass because of an
        unrelated error such as a typo or a missing include.

    check.py listed DIR EXT NAME...
        Every file under DIR ending in EXT is among NAME... and the other way round, so that a file
        added on disk but not to a meson.build list is caught rather than silently skipped.
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys

STD_FLAGS = ["-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
EXPECT = re.compile(r"^\s*//\s*expect:\s*(.+?)\s*$")
# The compiler's own line-wrapping or colouring must not decide whether a regex matches.
DIAGNOSTIC_ENV = {"LC_ALL": "C", "GCC_COLORS": "", "TERM": "dumb", "COLUMNS": "100000"}


def no_source_echo_flags(compiler, compiler_id):
    """Flags that stop the compiler quoting source lines, so that a regex cannot match the test's own
    code (or a library line that merely mentions a message) instead of a diagnostic."""
    if compiler_id is None:
        version = subprocess.run(compiler + ["--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, errors="replace").stdout
        compiler_id = "clang" if "clang" in version else "gcc"
    if compiler_id == "clang":
        return ["-fno-caret-diagnostics", "-fno-color-diagnostics"]
    return ["-fno-diagnostics-show-caret", "-fno-diagnostics-color"]


def compile_case(compiler, flags, include, source, extra):
    cmd = compiler + STD_FLAGS + flags + ["-I", include] + extra + [source]
    env = dict(os.environ, **DIAGNOSTIC_ENV)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                          errors="replace")
    return cmd, proc.returncode, proc.stdout


def excerpt(output, limit=60):
    lines = output.splitlines()
    if len(lines) <= limit:
        return output
    return "\n".join(lines[:limit] + [f"... ({len(lines) - limit} more lines)"])


def run_case(args):
    source = pathlib.Path(args.source)
    patterns = [m.group(1) for line in source.read_text().splitlines() if (m := EXPECT.match(line))]
    if not patterns:
        print(f"{source.name}: no `// expect: <regex>` line: the case would accept any error")
        return 1
    try:
        compiled = [(p, re.compile(p, re.MULTILINE)) for p in patterns]
    except re.error as e:
        print(f"{source.name}: bad expect regex: {e}")
        return 1

    failures = []
    flags = no_source_echo_flags(args.compiler, args.compiler_id)
    cmd, rc, out = compile_case(args.compiler, flags, args.include, str(source), [])
    if rc == 0:
        failures.append("the mistake COMPILED; it must be rejected.\n  command: " + " ".join(cmd))
    else:
        missing = [p for p, r in compiled if not r.search(out)]
        if missing:
            failures.append("the compiler rejected the mistake, but its output does not match:\n" +
                            "\n".join(f"  expect: {p}" for p in missing) +
                            "\n  command: " + " ".join(cmd) + "\n--- compiler output ---\n" + excerpt(out))

    ok_cmd, ok_rc, ok_out = compile_case(args.compiler, flags, args.include, str(source), ["-DTAPELESS_COMPILE_OK"])
    if ok_rc != 0:
        failures.append("the paired correct code (-DTAPELESS_COMPILE_OK) does NOT compile.\n  command: " +
                        " ".join(ok_cmd) + "\n--- compiler output ---\n" + excerpt(ok_out))

    if failures:
        print(f"FAIL {source.name}")
        for f in failures:
            print("- " + f)
        return 1
    print(f"ok {source.name}: rejected with the expected message ({len(patterns)} patterns); the paired code compiles")
    return 0


def run_listed(args):
    root = pathlib.Path(args.dir)
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*" + args.ext) if p.is_file()}
    listed = set(args.names)
    unlisted = sorted(on_disk - listed)
    missing = sorted(listed - on_disk)
    for name in unlisted:
        print(f"{root / name}: on disk but not in the meson.build list (add it there)")
    for name in missing:
        print(f"{name}: in the meson.build list but not on disk under {root}")
    if unlisted or missing:
        return 1
    print(f"ok: the {len(listed)} listed files are exactly the *{args.ext} files under {root}")
    return 0


def main():
    argv = sys.argv[1:]
    # Everything after the first `--` is the compiler command, which has options of its own.
    compiler = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    case = sub.add_parser("case")
    case.add_argument("source")
    case.add_argument("--include", required=True)
    case.add_argument("--compiler-id", help="meson's compiler.get_id() (gcc, clang, ...); guessed if absent")
    listed = sub.add_parser("listed")
    listed.add_argument("dir")
    listed.add_argument("ext")
    listed.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    if args.mode == "case":
        if not compiler:
            parser.error("give the compiler command after --")
        args.compiler = compiler
        return run_case(args)
    return run_listed(args)

if __name__ == "__main__":
    sys.exit(main())
