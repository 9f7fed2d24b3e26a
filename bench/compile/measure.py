#!/usr/bin/env python3
"""Compile-time benchmark: generates the sources (generate.py), compiles each with g++ -O2 under
/usr/bin/time -v (wall time, peak memory), runs it on an 8 MB stack (the Linux default, set explicitly)
and writes the results as JSON.

    python3 bench/compile/measure.py OUTDIR [--cxx g++] [--flags "-march=native -DHWY_WANT_AVX3_DL"]

OUTDIR receives the sources, the programs and results.json.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STACK_KB = 8192
COMPILE_TIMEOUT_S = 600  # --timeout


def parse_time_v(text):
    """Wall seconds and peak resident kilobytes from GNU time -v output."""
    wall = rss = None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1))
    return wall, rss


def run_group(cmd, timeout):
    """subprocess.run in a session of its own, so that a timeout ends the compiler too, not only time."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--flags", default="-march=native -DHWY_WANT_AVX3_DL",
                    help="SIMD flags, as the project's own builds use (-Dsimd=native)")
    ap.add_argument("--only", nargs="*", help="cases to run (default: all)")
    ap.add_argument("--timeout", type=float, default=COMPILE_TIMEOUT_S, help="seconds per compilation")
    args = ap.parse_args()

    os.makedirs(args.outdir, exist_ok=True)
    cases = subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), args.outdir], check=True,
                           capture_output=True, text=True).stdout.split()
    if args.only:
        cases = [c for c in cases if c in args.only]

    compiler = subprocess.run([args.cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    base = [args.cxx, "-std=c++20", "-O2", *args.flags.split(), "-I", os.path.join(ROOT, "include")]
    results = []
    for case in cases:
        src = os.path.join(args.outdir, case + ".cpp")
        exe = os.path.join(args.outdir, case)
        cmd = ["/usr/bin/time", "-v", *base, src, "-o", exe]
        print(f"compile-bench: {case} ...", file=sys.stderr, flush=True)
        r = {"case": case, "command": " ".join(base[:1] + ["-std=c++20", "-O2"] + args.flags.split()),
             "source_bytes": os.path.getsize(src)}
        try:
            p = run_group(cmd, args.timeout)
            wall, rss = parse_time_v(p.stderr)
            r.update(compiled=p.returncode == 0, compile_seconds=wall, peak_memory_mb=rss / 1024 if rss else None)
            if p.returncode != 0:
                errors = [l for l in p.stderr.splitlines() if "error" in l or "internal compiler" in l]
                r["compile_error"] = "\n".join(errors[:5])[:2000]
        except subprocess.TimeoutExpired:
            r.update(compiled=False, compile_seconds=None, peak_memory_mb=None,
                     compile_error=f"did not finish in {args.timeout:g} s")
        if r["compiled"]:
            r["binary_bytes"] = os.path.getsize(exe)
            t0 = time.monotonic()
            p = subprocess.run(["bash", "-c", f'ulimit -s {STACK_KB} && exec "$0"', exe], capture_output=True,
                               text=True, timeout=300)
            r["run_seconds"] = time.monotonic() - t0
            r["run_exit"] = p.returncode
            r["ran"] = p.returncode == 0
            if p.returncode < 0 or p.returncode >= 128:
                sig = -p.returncode if p.returncode < 0 else p.returncode - 128
                r["run_error"] = f"killed by signal {sig}" + (" (SIGSEGV: stack overflow?)" if sig == 11 else "")
            elif p.returncode != 0:
                r["run_error"] = (p.stdout + p.stderr).strip()[:2000]
            m = re.search(r"sizeof_expression (\d+)", p.stdout)
            r["sizeof_expression"] = int(m.group(1)) if m else None
        print(f"compile-bench: {case}: {json.dumps(r)}", file=sys.stderr, flush=True)
        results.append(r)

    out = {"compiler": compiler, "stack_kb": STACK_KB, "results": results}
    with open(os.path.join(args.outdir, "results.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
