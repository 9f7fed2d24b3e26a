#!/usr/bin/env python3
"""Runs the libFuzzer build of test/fuzz/api.cpp for a bounded time over a copy of the seed corpus:
libFuzzer adds the inputs it finds to the corpus directory it is given and writes crash files next
to its artifact prefix, so both live in WORKDIR (emptied first), never in the source tree.

    run_libfuzzer.py FUZZER CORPUS WORKDIR SECONDS [LIBFUZZER ARGS...]

The exit status is libFuzzer's: nonzero on a crash, a sanitizer report or a harness mismatch (never
77, which Meson reads as a skipped test).
"""
import os
import shutil
import subprocess
import sys


def main():
    fuzzer, corpus, work, seconds = sys.argv[1:5]
    work = os.path.abspath(work)
    shutil.rmtree(work, ignore_errors=True)
    live = os.path.join(work, 'corpus')
    shutil.copytree(corpus, live)
    # Inputs past 512 bytes add nothing: extents are at most 40 and a value takes at most 9 bytes.
    # libFuzzer's own error status is 77, which Meson reads as a skipped test: a failure must fail.
    cmd = [fuzzer, live, '-max_total_time=' + seconds, '-timeout=10', '-max_len=512', '-rss_limit_mb=2048',
           '-error_exitcode=1', '-print_final_stats=1', '-artifact_prefix=' + work + os.sep] + sys.argv[5:]
    env = dict(os.environ)
    env.setdefault('ASAN_OPTIONS', 'abort_on_error=1')
    env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:abort_on_error=1:print_stacktrace=1')
    sys.stdout.write(' '.join(cmd) + '\n')
    sys.stdout.flush()
    status = subprocess.run(cmd, env=env).returncode
    if status != 0:
        crashes = sorted(f for f in os.listdir(work) if f != 'corpus')
        sys.stdout.write('libFuzzer failed (%d); inputs kept in %s: %s\n' % (status, work, ' '.join(crashes)))
        sys.stdout.write('replay one with the fuzzer, or with fuzz_replay FILE (any compiler)\n')
    return 1 if status == 77 else status


if __name__ == '__main__':
    sys.exit(main())
