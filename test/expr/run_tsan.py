#!/usr/bin/env python3
"""Builds one test program with ThreadSanitizer and runs it (the suite itself is built with
AddressSanitizer, which cannot be combined with it).

    run_tsan.py SOURCE --include DIR --out DIR -- COMPILER [ARGS...]
"""
import argparse
import os
import subprocess
import sys


def main():
    args = sys.argv[1:]
    split = args.index('--')
    ap = argparse.ArgumentParser()
    ap.add_argument('source')
    ap.add_argument('--include', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args(args[:split])
    compiler = args[split + 1:]
    os.makedirs(a.out, exist_ok=True)
    exe = os.path.join(a.out, os.path.splitext(os.path.basename(a.source))[0] + '_tsan')
    cmd = compiler + ['-std=c++20', '-O1', '-g1', '-fsanitize=thread', '-pthread', '-I', a.include, a.source, '-o', exe]
    build = subprocess.run(cmd, capture_output=True, text=True)
    if build.returncode != 0:
        sys.stdout.write(' '.join(cmd) + '\n' + build.stdout + build.stderr)
        return 1
    env = dict(os.environ, TSAN_OPTIONS='halt_on_error=1 exitcode=66')
    run = subprocess.run([exe], capture_output=True, text=True, env=env)
    sys.stdout.write(run.stdout + run.stderr)
    return run.returncode


if __name__ == '__main__':
    sys.exit(main())
