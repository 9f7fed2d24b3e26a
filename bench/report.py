#!/usr/bin/env python3
"""Turns one benchmark run into docs/benchmarks.md and docs/benchmarks.png.

    python3 bench/report.py RESULTS_DIR [--md docs/benchmarks.md] [--png docs/benchmarks.png]

RESULTS_DIR (written by .ci/bench) holds bench_<family>.json (Google Benchmark JSON, aggregates of
repetitions), optionally compile/results.json (bench/compile/measure.py), lscpu.txt and packages.txt.
Every number in the report comes from these files: the report is never edited by hand.
"""
import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys

PROBLEMS = ["elementwise_sum", "normal_logpdf", "logistic_regression", "scalar_chain", "matmul_loss", "jacobian",
            "hessian", "derivative", "ode_rk4", "templated_scalar", "index", "logsumexp", "lanes_det", "lanes_ode", "threads", "mlp", "gmm", "ba"]
DESCRIPTIONS = {
    "elementwise_sum": "`sum(exp(x) * x + sin(x))`, gradient wrt all N inputs",
    "normal_logpdf": "`sum_i log N(x_i | mu, sigma)` over N data, gradient wrt mu and sigma",
    "logistic_regression": "logistic log-likelihood, N x 16 design matrix, gradient wrt 16 weights and a bias",
    "scalar_chain": "50 scalar operations of two inputs, gradient wrt both (size = number of operations)",
    "matmul_loss": "`sum(square(A B - C))`, 32 x 32, gradient wrt A and B (size = 32)",
    "jacobian": "`tanh(W x) + sin(x) * x`, 64 -> 64 with W a constant 64 x 64 matrix, the full 64 x 64 Jacobian "
                "(size = 64)",
    "hessian": "`sum(log1p(exp(A x))) + 0.5 * sum(x * x)`, A a constant 32 x 32 matrix, the full 32 x 32 Hessian "
               "(size = 32)",
    "derivative": "`exp(sin(x)) * sqrt(1 + x * x)` at x = 0.7, the value and the first 8 derivatives (size = 8); the "
                  "reference is nested duals checked against Taylor recurrences in long double",
    "ode_rk4": "a damped chain of 4 masses with cubic springs integrated by RK4 (examples/spring_model.hpp), the "
               "gradient of the final energy wrt the 8 initial values and 3 parameters (size = number of steps)",
    "logsumexp": "`logsumexp(x)` over N inputs, the value and the gradient (the softmax) from one sweep; "
                 "`tapeless_spelled` is `log(sum(exp(x - m))) + m` with `m = let(max(x))`, `tapeless_value_then_gradient` "
                 "`tl::value` then `tl::gradient` (two sweeps)",
    "index": "`x[0] * x[1] + x[N/2] * x[N-1]` for a var of N elements, the (dense) gradient wrt x: each read must "
             "cost O(1), not O(N) (size = N)",
    "templated_scalar": "a chain of n particles on a periodic substrate, springs stiffer in compression (a branch on "
                        "a value), written once as `template <class T> T energy(std::vector<T> const&)`; the gradient "
                        "wrt all n positions (size = n)",
    "lanes_det": "the determinant of an m x m matrix by cofactor (minors) expansion, written once as a template over "
                 "its scalar; the full Jacobian (the cofactors) on `tl::dual<double, N>` for N = 1 ... 32, ceil(n / N) "
                 "passes (size = n = m^2 inputs: m = 4, 5)",
    "threads": "the logistic log-loss of examples/logistic_model.hpp (4 weights and a bias) over 65536 rows split "
               "into one shard per thread, the parts of the gradient summed (size = number of threads, up to the "
               "machine's); wall-clock time (`real_time`), not CPU time, and `x handwritten` compares at the same "
               "thread count",
    "mlp": "a two-layer perceptron over a batch of B rows, `mean(square(matmul(tanh(matmul(X, W1) + b1), w2) - y))` "
           "with X B x 32, W1 32 x 64, b1 a row of 64, w2 64; the value and the gradient wrt W1, b1 and w2 from one "
           "sweep (size = B)",
    "gmm": "the Gaussian mixture model log-likelihood of ADBench / GradBench with its Wishart prior, n = 1000 points "
           "in d dimensions, K = 5, 25, 50, 10 components for d = 2, 10, 20, 64; the value and the gradient wrt the K weights, "
           "the K x d means and the K x d (d + 1) / 2 inverse covariance factors (size = d)",
    "ba": "bundle adjustment's reprojection residual (ADBench / GradBench), the 2 x 15 Jacobian of each observation "
          "wrt its camera (11), point (3) and weight (1), for many independent observations (size = number of "
          "observations)",
    "lanes_ode": "the right-hand side of a reaction-diffusion equation on a ring, `k (u[i-1] - 2 u[i] + u[i+1]) + "
                 "exp(-u[i]^2) u[i+1] - sin(u[i]) u[i-1]`, R^n -> R^n, written once as a template; the full n x n "
                 "Jacobian on `tl::dual<double, N>` for N = 1 ... 32, ceil(n / N) passes (size = n)",
}
# What an implementation is in one problem, where NOTES does not say it (printed under the problem's table).
FAMILY_NOTES = {
    "jacobian": {
        "handwritten": "the closed form `diag(1 - t^2) W + diag(cos(x) x + sin(x))`, `t = tanh(W x)`",
        "tapeless_forward": "`tl::jacfwd(f)(x)`, `x` a `tl::vec<double, 64>`, `W` a `tl::mat<double, 64, 64>`: "
                            "one evaluation of f on duals of 64 lanes",
        "tapeless_forward_dynamic": "the same with `tl::dvec<double>` / `tl::dmat<double>`: eight evaluations on "
                                    "duals of 8 lanes",
        "tapeless_reverse": "`tl::jacrev(f)(x)`, static extents: one reverse sweep per row",
        "adolc": "ADOL-C's `jacobian` driver on a tape recorded once (one vector forward pass of 64 directions)",
        "eigen_autodiff": "`AutoDiffScalar<Matrix<double, 64, 1>>`, forward mode, 64 lanes",
        "ceres_jet": "`ceres::Jet<double, 64>`, forward mode, 64 lanes",
    },
    "hessian": {
        "handwritten": "the closed form `A^T diag(s (1 - s)) A + I`, `s = sigmoid(A x)`",
        "tapeless": "`tl::hessian(f)(x)`, `x` a `tl::vec<double, 32>`: one reverse sweep on duals of 32 lanes",
        "adolc": "ADOL-C's `hessian` driver on a tape recorded once (it fills the lower triangle only)",
        "eigen_autodiff": "nested `AutoDiffScalar` (forward over forward), 32 outer and 32 inner lanes, fixed sizes",
    },
    "ode_rk4": {
        "function": "the loop on doubles, the energy only (no derivative)",
        "handwritten": "the discrete adjoint by hand: every state kept, each step's four stages computed again "
                       "backwards",
        "tapeless": "`tl::scan` over the RK4 step (the stages are lets); every state kept, and each step's records too "
                    "while they fit in 4 MB (n <= 1000 here), else the step is evaluated again backwards",
        "tapeless_checkpoints": "`tl::scan(..., tl::checkpoints(32))`: at most 32 states, the binomial schedule",
        "adolc": "the loop taped once (untimed), then ADOL-C's `gradient` driver",
        "sacado": "`Sacado::Rad::ADvar<double>` through the whole loop, then `Outvar_Gradcomp`",
        "tapeless_active": "the same loop as `function`, written over its scalar (`spring::plain<T>`), on "
                           "`tl::active<double>` by `tl::value_and_grad(f, tl::active_mode)`",
        "tapeless_active_vec": "the loop written on vectors (`spring::on_actives`), on "
                               "`tl::active<tl::vec<double, 4>>`: one statement per vector assignment (16 per step)",
    },
    "templated_scalar": {
        "function": "the template on doubles, the energy only",
        "handwritten": "the gradient by hand",
        "tapeless_active": "`tl::grad(energy, tl::active_mode)(q)`: the template on `tl::active<double>`, one "
                           "statement recorded per assignment, then one reverse sweep",
        "tapeless_dual": "the template on `tl::dual<double, 8>`, ceil(n / 8) forward passes (n <= 1000)",
        "adolc": "the template on `adouble`, taped at every call (the branch depends on the values), then the "
                 "`gradient` driver",
        "sacado": "the template on `Sacado::Rad::ADvar<double>`, then `Outvar_Gradcomp`",
    },
    "derivative": {
        "handwritten": "Taylor recurrences of `g` in double, then `k!` times coefficient k",
        "tapeless_jet": "`tl::derivative<8>(g, x)`: one evaluation on a Taylor jet `tl::jet<double, 8>`",
        "tapeless_nested": "`tl::derivative<8>(g, x, tl::nested_duals)`: one evaluation on duals nested 8 deep "
                           "(2^8 components)",
        "adolc": "ADOL-C's `hos_forward` (Taylor coefficients up to order 8) on a tape recorded once",
    },
    "lanes_det": {
        "function": "the template on doubles, the determinant only: one pass without tangents",
        "handwritten": "each cofactor by the same expansion of the (m - 1) x (m - 1) minor (no `jacfwd` row: the "
                       "recursion is scalar code, and `tl::jacfwd` takes functions of expressions)",
    },
    "threads": {
        "handwritten": "the gradient by hand on each thread's shard",
        "tapeless": "each thread its own `tl::var`s and `tl::gradient` over its shard (the vars and the expression "
                    "made for each gradient)",
        "tapeless_grad": "`tl::grad(f)(w, b)` on each thread, `f` the loss over its shard",
    },
    "mlp": {
        "handwritten": "the gradient by hand with the library's matmul kernels and Highway's tanh, its work arrays "
                       "made once outside the timing loop; `_float` rows in float",
        "tapeless": "`tl::value_and_gradient` over `tl::dmat` / `tl::dvec` (runtime extents)",
        "tapeless_static": "the same over `tl::mat<double, B, 32>`, `tl::vec<double, 64>` ... (static extents)",
    },
    "gmm": {
        "handwritten": "the objective and its adjoint by hand, one point and one component at a time (as ADBench's "
                       "manual C++ gradient)",
        "tapeless": "the model written over matrices: the K factors stacked as one (K d) x d matrix by "
                    "`tl::scatter_add`, every `Q_k x_i` in one `tl::matmul`, squared norms by `tl::sum(., tl::axis<1>)`, "
                    "`tl::logsumexp(., tl::axis<1>)` over the components",
        "adolc": "the hand-written objective on `adouble`, taped once (d = 2 and 10: at d = 20 the tape holds some "
                 "10^8 operations)",
    },
    "ba": {
        "tapeless_dual": "the residual written once as a template over its scalar (as a Ceres cost functor), on "
                         "`tl::dual<double, 15>`; the reference, checked once against central differences",
        "jacfwd": "`tl::jacfwd(f)(p)`, f the residual on tapeless expressions of a `tl::vec<double, 15>`, its shared "
                  "parts as `tl::let` made inside f",
        "jacrev": "`tl::jacrev(f)(p)` of the same f: two reverse sweeps",
        "ceres_jet": "the template on `ceres::Jet<double, 15>`",
    },
    "lanes_ode": {
        "function": "the template on doubles, the outputs only: one pass without tangents",
        "handwritten": "the three entries of each row (columns i - 1, i, i + 1 around the ring)",
        "jacfwd": "`tl::jacfwd` of the same map written on expressions (the neighbours by products with constant "
                  "shift matrices), `x` a `tl::vec<double, n>`: one evaluation on duals of n lanes",
    },
}
# The problems whose tables also divide by each peer's time (a column per peer present).
PEER_RATIO_PROBLEMS = ("jacobian", "hessian", "derivative", "gmm", "ba")
PEERS = ["adolc", "sacado", "sacado_fad", "eigen_autodiff", "ceres_jet"]
# Table and plot order; anything else found in the JSON follows.
IMPLEMENTATIONS = ["function", "function_simd", "handwritten", "handwritten_simd", "tapeless", "tapeless_static",
                   "tapeless_forward", "tapeless_forward_dynamic", "tapeless_reverse", "tapeless_jet",
                   "tapeless_nested", "tapeless_checkpoints", "tapeless_active", "tapeless_active_vec", "tapeless_dual",
                   "dual_1", "dual_4", "dual_8", "dual_16", "dual_32", "jacfwd", "jacrev",
                   "handwritten_float", "tapeless_float", "tapeless_static_float",
                   "adolc", "adolc_taping", "sacado", "sacado_fad", "eigen_autodiff", "ceres_jet"]
NOTES = {
    "function": "the value only, plain loops",
    "function_simd": "the value only, Highway",
    "handwritten": "analytic gradient (Jacobian, Hessian, derivatives), plain loops",
    "handwritten_simd": "analytic gradient, one fused Highway loop",
    "tapeless": "tl::gradient, runtime extents (tl::dvec / tl::dmat data)",
    "tapeless_static": "tl::gradient, static extents (tl::vec / tl::mat), N <= 4096",
    "tapeless_forward": "tl::jacfwd, static extents",
    "tapeless_forward_dynamic": "tl::jacfwd, runtime extents",
    "tapeless_reverse": "tl::jacrev, static extents",
    "tapeless_jet": "tl::derivative<K> on a Taylor jet",
    "tapeless_nested": "tl::derivative<K> on nested duals",
    "tapeless_checkpoints": "tl::scan with tl::checkpoints(k)",
    "tapeless_active": "tl::active<double>: code templated over its scalar, one recorded statement per assignment",
    "tapeless_active_vec": "tl::active<tl::vec<...>>: one recorded statement per vector assignment",
    "tapeless_dual": "tl::dual forward mode on code templated over its scalar",
    "dual_1": "`tl::dual<double, 1>` on code templated over its scalar: one pass per input",
    "dual_4": "`tl::dual<double, 4>`: ceil(n / 4) passes",
    "dual_8": "`tl::dual<double, 8>`: ceil(n / 8) passes",
    "dual_16": "`tl::dual<double, 16>`: ceil(n / 16) passes",
    "dual_32": "`tl::dual<double, 32>`: ceil(n / 32) passes",
    "jacfwd": "tl::jacfwd, which picks its own lane count",
    "handwritten_float": "the hand-written gradient in float",
    "tapeless_float": "tl::gradient in float, runtime extents",
    "tapeless_static_float": "tl::gradient in float, static extents",
    "adolc": "ADOL-C driver (gradient; jacobian, hessian, hos_forward) on a tape recorded once",
    "adolc_taping": "ADOL-C: recording the tape (not a gradient)",
    "sacado": "Sacado::Rad reverse mode",
    "sacado_fad": "Sacado::Fad::DFad forward mode",
    "eigen_autodiff": "Eigen AutoDiffScalar, forward mode (nested for the Hessian)",
    "ceres_jet": "ceres::Jet, forward mode",
}
COLOURS = {"function": "#1f77b4", "function_simd": "#6baed6", "handwritten_simd": "#2ca02c", "tapeless": "#d62728",
           "tapeless_static": "#ff9896", "tapeless_forward": "#e6550d", "tapeless_forward_dynamic": "#fdae6b",
           "tapeless_reverse": "#a50f15", "tapeless_jet": "#e377c2", "tapeless_nested": "#f7b6d2",
           "adolc": "#8c564b", "adolc_taping": "#c49c94", "sacado": "#7f7f7f", "sacado_fad": "#bcbd22",
           "eigen_autodiff": "#17becf", "ceres_jet": "#9467bd"}
STAT = "cpu_time"  # median over repetitions of the CPU time per iteration
# Problems timed by the wall clock (they run on several threads; the main thread's CPU time is not the work).
REAL_TIME_PROBLEMS = ("threads",)


def load_runs(results_dir):
    """{problem: {impl: {size: ns}}} from the medians, and the contexts."""
    times, contexts = {}, []
    for path in sorted(glob.glob(os.path.join(results_dir, "bench_*.json"))):
        with open(path) as f:
            doc = json.load(f)
        contexts.append(doc["context"])
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
        for b in doc["benchmarks"]:
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            name = re.sub(r"(/process_time)?(/real_time)?$", "", b.get("run_name", b["name"]))
            problem, impl, size = name.split("/")
            t = b["real_time" if problem in REAL_TIME_PROBLEMS else STAT] * scale[b["time_unit"]]
            times.setdefault(problem, {}).setdefault(impl, {})[int(size)] = t
    return times, contexts


def fmt_time(ns):
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= f:
            return f"{ns / f:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(r):
    if r is None:
        return ""
    return f"{r:.3g}"


def order(impls):
    known = [i for i in IMPLEMENTATIONS if i in impls]
    return known + sorted(i for i in impls if i not in IMPLEMENTATIONS)


def cpu_name(results_dir):
    text = ""
    path = os.path.join(results_dir, "lscpu.txt")
    if os.path.exists(path):
        text = open(path).read()
    else:
        try:
            text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        except OSError:
            pass
    m = re.search(r"^Model name:\s*(.+)$", text, re.M)
    name = m.group(1).strip() if m else "unknown CPU"
    flags = re.search(r"^Flags:\s*(.+)$", text, re.M)
    isa = []
    if flags:
        fl = set(flags.group(1).split())
        isa = [x for x in ("avx2", "fma", "avx512f", "avx512dq", "avx512vl", "avx512bw", "avx512_vbmi2",
                           "avx512_vnni") if x in fl]
    return name, isa


def ratio(times, impl, base, size):
    a, b = times.get(impl, {}).get(size), times.get(base, {}).get(size)
    return a / b if a and b else None


def targets(times):
    """The issue's targets, each evaluated on this run: (target, measured, met)."""
    rows = []

    def add(what, value_text, ok):
        rows.append((what, value_text, "yes" if ok else "**no**"))

    def speed(r):
        return f"{r:.2f}x faster" if r >= 1 else f"{1 / r:.2f}x slower"

    # The limits of the speed issues: normal_logpdf 1.25x at N = 256 and 1.1x from 4096 on (fixed costs
    # per call), logistic regression 1.2x (the fused matrix-vector loop), elementwise_sum 1.25x.
    def simd_limit(p, n):
        if p == "normal_logpdf":
            return 1.25 if n < 4096 else 1.1
        return 1.2 if p == "logistic_regression" else 1.25

    for p in ("elementwise_sum", "normal_logpdf", "logistic_regression"):
        t = times.get(p, {})
        for n in sorted(t.get("tapeless", {})):
            if n >= 256 and "handwritten_simd" in t:
                r = ratio(t, "tapeless", "handwritten_simd", n)
                if r is not None:
                    lim = simd_limit(p, n)
                    add(f"{p} N={n}: tapeless <= {lim}x handwritten_simd", f"{r:.2f}x the time", r <= lim)
            if n >= 4096 and "handwritten" in t:
                r = ratio(t, "handwritten", "tapeless", n)
                if r is not None:
                    add(f"{p} N={n}: tapeless >= 3x faster than handwritten", speed(r), r >= 3)
    t = times.get("scalar_chain", {})
    for n in t.get("tapeless", {}):
        r = ratio(t, "tapeless", "handwritten", n)
        if r is not None:
            add("scalar_chain: tapeless <= 1.2x handwritten", f"{r:.2f}x the time", r <= 1.2)
    t = times.get("matmul_loss", {})
    for n in t.get("tapeless", {}):
        r = ratio(t, "tapeless", "handwritten", n)
        if r is not None:
            add("matmul_loss: tapeless <= 1.5x handwritten", f"{r:.2f}x the time", r <= 1.5)
    for p in ("elementwise_sum", "normal_logpdf", "logistic_regression", "matmul_loss"):
        t = times.get(p, {})
        for peer in ("adolc", "sacado"):
            for n in sorted(t.get(peer, {})):
                if n >= 256 or p == "matmul_loss":
                    r = ratio(t, peer, "tapeless", n)
                    if r is not None:
                        add(f"{p} N={n}: tapeless >= 10x faster than {peer}", speed(r), r >= 10)
    t = times.get("jacobian", {})
    for n in sorted(t.get("tapeless_forward", {})):
        r = ratio(t, "ceres_jet", "tapeless_forward", n)
        if r is not None:
            add(f"jacobian N={n}: tapeless_forward faster than ceres_jet", speed(r), r > 1)
    t = times.get("hessian", {})
    for n in sorted(t.get("tapeless", {})):
        for peer, who in (("eigen_autodiff", "nested eigen_autodiff"), ("adolc", "adolc's hessian driver")):
            r = ratio(t, peer, "tapeless", n)
            if r is not None:
                add(f"hessian N={n}: tapeless faster than {who}", speed(r), r > 1)
    def at_most(t, impl, base, n, label, limit):
        r = ratio(t, impl, base, n)
        if r is not None:
            add(label, f"{r:.2f}x the time", r <= limit)

    def faster(t, impl, peer, n, label, factor):
        r = ratio(t, peer, impl, n)
        if r is not None:
            add(label, speed(r), r >= factor if factor > 1 else r > 1)

    t = times.get("ode_rk4", {})
    for n in sorted(t.get("tapeless", {})):
        at_most(t, "tapeless", "function", n, f"ode_rk4 n={n}: tapeless <= 2.5x function", 2.5)
        at_most(t, "tapeless", "handwritten", n, f"ode_rk4 n={n}: tapeless <= 1.5x handwritten", 1.5)
        for peer in ("adolc", "sacado"):
            faster(t, "tapeless", peer, n, f"ode_rk4 n={n}: tapeless >= 10x faster than {peer}", 10)
    at_most(t, "tapeless_checkpoints", "tapeless", 10000,
            "ode_rk4 n=10000: checkpoints(32) within 3x of keeping every state", 3)
    for n in sorted(t.get("tapeless_active_vec", {})):
        at_most(t, "tapeless_active_vec", "tapeless", n,
                f"ode_rk4 n={n}: the loop on vector actives within 1.5x of tl::scan", 1.5)
    t = times.get("templated_scalar", {})
    for n in sorted(t.get("tapeless_active", {})):
        at_most(t, "tapeless_active", "function", n, f"templated_scalar n={n}: tapeless_active <= 4x function", 4)
        faster(t, "tapeless_active", "adolc", n,
               f"templated_scalar n={n}: tapeless_active >= 5x faster than adolc (taping included)", 5)
        faster(t, "tapeless_active", "sacado", n, f"templated_scalar n={n}: tapeless_active faster than sacado", 1)
    t = times.get("logsumexp", {})
    for n in sorted(t.get("tapeless", {})):
        at_most(t, "tapeless", "handwritten_simd", n, f"logsumexp N={n}: tapeless <= 1.1x handwritten_simd", 1.1)
        at_most(t, "tapeless", "tapeless_spelled", n, f"logsumexp N={n}: tapeless <= 1.1x tapeless_spelled", 1.1)
    t = times.get("mlp", {})
    for suffix in ("", "_float"):
        for n in sorted(t.get("tapeless" + suffix, {})):
            at_most(t, "tapeless" + suffix, "handwritten" + suffix, n,
                    f"mlp{suffix} B={n}: tapeless <= 1.3x handwritten", 1.3)
            at_most(t, "tapeless_static" + suffix, "tapeless" + suffix, n,
                    f"mlp{suffix} B={n}: static extents no slower than runtime ones", 1.0)
    t = times.get("gmm", {})
    for n in sorted(t.get("tapeless", {})):
        at_most(t, "tapeless", "handwritten", n, f"gmm d={n}: tapeless over matrices <= 1.5x handwritten", 1.5)
        faster(t, "tapeless", "adolc", n, f"gmm d={n}: tapeless >= 10x faster than adolc", 10)
    t = times.get("ba", {})
    for n in sorted(t.get("jacfwd", {})):
        for impl in ("jacfwd", "jacrev", "tapeless_dual"):
            at_most(t, impl, "ceres_jet", n, f"ba n={n}: {impl} <= 1.0x ceres_jet", 1.0)
    inputs = {"elementwise_sum": lambda n: n, "normal_logpdf": lambda n: 2, "logistic_regression": lambda n: 17,
              "scalar_chain": lambda n: 2, "matmul_loss": lambda n: 2 * n * n}
    for p, t in times.items():
        for peer in ("eigen_autodiff", "ceres_jet"):
            for n in sorted(t.get(peer, {})):
                if inputs.get(p, lambda n: 0)(n) >= 16:
                    r = ratio(t, peer, "tapeless", n)
                    if r is not None:
                        add(f"{p} N={n}: tapeless faster than {peer}", speed(r), r > 1)
    return rows


def plot(times, png):
    """Top row: ratio to handwritten vs size for the sized problems, one line per implementation.
    Rows below: the single-size problems as bars, `cols` to a row; the legend in the next free cell."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sized = [p for p in PROBLEMS if p in times and len({n for i in times[p].values() for n in i}) > 1]
    single = [p for p in PROBLEMS if p in times and p not in sized]
    cols = max(len(sized), 3)
    top = 1 if sized else 0  # the legend names the lines of the top row
    single_rows = max(1, -(-(len(single) + top) // cols))  # the single-size bars and the legend, `cols` a row
    fig, axes = plt.subplots(top + single_rows, cols, figsize=(5.0 * cols, 4.0 * (top + single_rows)), squeeze=False)
    bottom = [ax for row in axes[top:] for ax in row]
    impls = order({i for p in times for i in times[p]})
    cmap = plt.get_cmap("tab10")
    colours = {impl: COLOURS.get(impl, cmap(k % 10)) for k, impl in enumerate(impls)}
    markers = "os^vDP*Xhp<>"
    handles = {}

    def style(impl):
        if impl.startswith("tapeless"):
            return dict(ls="-", lw=2.6 if impl == "tapeless" else 1.8)
        if impl in ("function", "function_simd", "handwritten_simd"):
            return dict(ls="--", lw=1.4)
        return dict(ls=":", lw=1.4)

    for ax, p in zip(axes[0] if top else [], sized):
        t = times[p]
        # Against the hand-written code; a family without it (ba) against its peer, named in the title.
        base = "handwritten" if "handwritten" in t else next((b for b in PEERS if b in t), "handwritten")
        for k, impl in enumerate(order(t)):
            if impl == base:
                continue
            sizes = sorted(n for n in t[impl] if ratio(t, impl, base, n))
            if not sizes:
                continue
            ys = [ratio(t, impl, base, n) for n in sizes]
            (h,) = ax.plot(sizes, ys, marker=markers[impls.index(impl) % len(markers)], ms=5,
                           color=colours[impl], label=impl, **style(impl))
            handles[impl] = h
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(p if base == "handwritten" else f"{p} (time / {base} time)", fontsize=11)
        ax.set_xlabel("N")
        ax.grid(True, which="both", alpha=0.25)
    for ax in (axes[0][len(sized):] if top else []):
        ax.axis("off")
    if sized:
        axes[0][0].set_ylabel("time / handwritten time (log; below 1 is faster)")

    for ax, p in zip(bottom, single):
        t = times[p]
        names = [i for i in order(t) if i != "handwritten" and ratio(t, i, "handwritten", next(iter(t[i])))]
        vals = [ratio(t, i, "handwritten", next(iter(t[i]))) for i in names]
        ax.barh(range(len(names)), vals, color=[colours[i] for i in names])
        ax.set_yticks(range(len(names)), names, fontsize=9)
        ax.invert_yaxis()
        ax.axvline(1.0, color="black", lw=0.8)
        ax.set_xscale("log")
        n = next(iter(t["handwritten"])) if "handwritten" in t else ""
        ax.set_title(f"{p} ({n})", fontsize=11)
        ax.set_xlabel("time / handwritten time (log)")
        ax.grid(True, axis="x", which="both", alpha=0.25)
        for y, v in enumerate(vals):
            ax.text(v, y, f" {v:.2g}", va="center", fontsize=8)
    rest = bottom[len(single):]
    for ax in rest:
        ax.axis("off")
    if rest and handles:
        rest[0].legend([handles[i] for i in order(handles)], order(handles), loc="center", fontsize=10,
                       frameon=False, title="implementation")
    fig.tight_layout()
    fig.savefig(png, dpi=80)


def compile_section(path):
    if not os.path.exists(path):
        return ["Not measured in this run (bench/compile/measure.py writes compile/results.json)."]
    doc = json.load(open(path))
    lines = [f"Compiler: {doc['compiler']}; each case is one program that takes one gradient, checks it "
             f"against central finite differences, and runs on a {doc['stack_kb'] // 1024} MB stack.", ""]
    cmd = doc["results"][0]["command"] if doc["results"] else ""
    lines.append(f"Command: `{cmd} -I include CASE.cpp` (sources: `python3 bench/compile/generate.py DIR`).")
    lines.append("")
    lines.append("| case | compiled | compile time | peak memory | expression object | runs (8 MB stack) |")
    lines.append("|---|---|---:|---:|---:|---|")
    for r in doc["results"]:
        if r["compiled"]:
            ran = "yes" if r.get("ran") else f"**no**: {r.get('run_error', '')}"
            size = f"{r['sizeof_expression']} B" if r.get("sizeof_expression") is not None else ""
            lines.append(f"| {r['case']} | yes | {r['compile_seconds']:.1f} s | {r['peak_memory_mb']:.0f} MB | "
                         f"{size} | {ran} |")
        else:
            err = (r.get("compile_error") or "").replace("|", "\\|").replace("\n", "<br>")
            t = f"{r['compile_seconds']:.1f} s" if r.get("compile_seconds") else ""
            m = f"{r['peak_memory_mb']:.0f} MB" if r.get("peak_memory_mb") else ""
            lines.append(f"| {r['case']} | **no**: {err} | {t} | {m} | | |")
    by_case = {r["case"]: r for r in doc["results"]}

    def compiled_within(case, seconds, mb=None):
        r = by_case.get(case)
        if not r or not r["compiled"]:
            return "did not compile" if r else "not run", False
        ok = r["compile_seconds"] < seconds and (mb is None or r["peak_memory_mb"] < mb) and r.get("ran", False)
        return f"{r['compile_seconds']:.1f} s, {r['peak_memory_mb']:.0f} MB, " + ("ran" if r.get("ran") else "did not run"), ok

    lines += ["", "| target (from the issue) | measured | met |", "|---|---|---|"]
    for what, (text, ok) in [
        ("800-node scalar gradient: under 20 s and 2 GB with g++ -O2", compiled_within("scalar_800", 20, 2048)),
        ("3000-op chain of let statements: under 30 s, runs on an 8 MB stack", compiled_within("let_chain_3000", 30)),
        ("one expression nested 200 deep compiles and runs", compiled_within("nested_200", float("inf"))),
    ]:
        lines.append(f"| {what} | {text} | {'yes' if ok else '**no**'} |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results_dir")
    ap.add_argument("--md", default="docs/benchmarks.md")
    ap.add_argument("--png", default="docs/benchmarks.png")
    args = ap.parse_args()

    times, contexts = load_runs(args.results_dir)
    if not times:
        sys.exit(f"report: no bench_*.json in {args.results_dir}")
    # The build's description comes from a family that records it (those that include simd.hpp).
    ctx = next((c for c in contexts if "simd_target" in c), contexts[0])
    cpu, isa = cpu_name(args.results_dir)
    loads = [c.get("load_avg", [None])[0] for c in contexts if c.get("load_avg")]
    packages = ""
    ppath = os.path.join(args.results_dir, "packages.txt")
    if os.path.exists(ppath):
        packages = ", ".join(l.strip().replace("\t", " ") for l in open(ppath) if l.strip())

    md = []
    w = md.append
    w("# Benchmarks")
    w("")
    w("<!-- Generated by bench/report.py from the JSON of one run of `bash .ci/bench`; do not edit by hand. -->")
    w("")
    w(f"Run of {ctx.get('date', '?')} on **{cpu}** ({ctx.get('num_cpus', '?')} cores"
      + (f"; {', '.join(isa)}" if isa else "") + ").")
    w(f"SIMD target: **{ctx.get('simd_target', '?')}** (Highway static dispatch, {ctx.get('double_lanes', '?')} "
      f"doubles per vector), built with `{ctx.get('flags', '?')}` (`-Dsimd={ctx.get('simd_option', '?')}`), "
      f"{ctx.get('compiler', '?')}.")
    if loads:
        w(f"Load average (1 min) when each family started: {', '.join(f'{l:.2f}' for l in loads)}.")
    if packages:
        w(f"Packages: {packages}.")
    w("")
    w("Times are medians over repetitions of the CPU time of one gradient (one Jacobian, Hessian or set of "
      "derivatives in the last three problems; one value, for `function`; wall-clock time for `threads`); `x function`, `x handwritten` and "
      "`x <peer>` are that time divided by the same size's `function`, `handwritten` or peer time (below 1: "
      "faster). Every implementation's answer was checked against the reference (relative 1e-9: `handwritten`; "
      "for `derivative`, nested duals checked against Taylor recurrences in long double) before it was timed.")
    w("")
    w("Reproduce (installs what is missing, builds in `build-bench`, runs everything, rewrites this page "
      "and the plot):")
    w("")
    w("```sh")
    w("bash .ci/bench")
    w("```")
    w("")
    w("![time relative to handwritten, per problem and size](benchmarks.png)")
    w("")
    w("## Implementations")
    w("")
    for impl in order({i for t in times.values() for i in t}):
        w(f"- `{impl}`: {NOTES.get(impl, '')}")
    w("")
    w("Forward-mode peers (`sacado_fad`, `eigen_autodiff`, `ceres_jet`) carry one tangent per input: they run "
      "where the inputs are few, and on `elementwise_sum` only up to N = 256; not on `matmul_loss` (2048 inputs). "
      "On `jacobian` forward mode is the natural choice (64 inputs, 64 outputs); on `hessian` `eigen_autodiff` "
      "is nested forward mode.")
    w("")
    w("## Targets (from the issue), evaluated on this run")
    w("")
    w("| target | measured | met |")
    w("|---|---:|---|")
    for what, val, ok in targets(times):
        w(f"| {what} | {val} | {ok} |")
    w("")
    for p in PROBLEMS:
        if p not in times:
            continue
        t = times[p]
        w(f"## {p}")
        w("")
        w(DESCRIPTIONS.get(p, ""))
        w("")
        if p in PEER_RATIO_PROBLEMS:
            bases = [b for b in ["function", "handwritten"] + PEERS if b in t]
        else:
            bases = ["function", "handwritten"] + (["handwritten_simd"] if "handwritten_simd" in t else [])
        w("| size | implementation | time |" + "".join(f" x {b} |" for b in bases))
        w("|---:|---|---:|" + "---:|" * len(bases))
        sizes = sorted({n for impl in t.values() for n in impl})
        for n in sizes:
            for impl in order(t):
                if n not in t[impl]:
                    continue
                name = f"**{impl}**" if impl.startswith("tapeless") else impl
                w(f"| {n} | {name} | {fmt_time(t[impl][n])} |"
                  + "".join(f" {fmt_ratio(ratio(t, impl, b, n))} |" for b in bases))
        w("")
        notes = FAMILY_NOTES.get(p, {})
        if notes:
            for impl in order(t):
                if impl in notes:
                    w(f"- `{impl}`: {notes[impl]}")
            w("")
    w("## Compile time (bench/compile)")
    w("")
    md.extend(compile_section(os.path.join(args.results_dir, "compile", "results.json")))
    w("")

    os.makedirs(os.path.dirname(os.path.abspath(args.md)), exist_ok=True)
    with open(args.md, "w") as f:
        f.write("\n".join(md))
    plot(times, args.png)
    print(f"report: wrote {args.md} and {args.png}")


if __name__ == "__main__":
    main()
