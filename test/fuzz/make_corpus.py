#!/usr/bin/env python3
"""Writes the seed corpus (test/fuzz/corpus/): a few inputs per family of api.cpp, spelled in the
harness's decoding, so that both the replay and libFuzzer start from every family, the documented
edges and a deliberate mismatch. Run it again when the decoding in api.cpp changes.

    make_corpus.py [DIRECTORY]
"""
import os
import sys

# api.cpp's palette, by name (the index is the byte).
PALETTE = ['0', '-0', '1', '-1', '0.5', '-0.5', '2', '-2', '3', 'nan', '-nan', 'inf', '-inf',
           'tiny', '-tiny', '1e-310', 'least', '-least', '1e-300', '-1e-300', '1e300', '-1e300', 'big', '-big',
           '700', '-720', '710', '-750', '40000.5', '1e-8', '-1e-8', '0.1', '1.5', 'pi',
           '20', '-20', '1e154', '2e154', '1e-160', '1+eps']
MISMATCH = 230  # source::like: a byte from 224 on gives another extent


def v(x):
    """One value: a palette entry by name, or a multiple of 1/1024 in [-26, 26)."""
    if isinstance(x, str):
        return [PALETTE.index(x)]
    k = round(x * 1024) + 26624
    assert 0 <= k < 208 * 256 and k / 1024 - 26 == x, x
    return [48 + k // 256, k % 256]


def vals(*xs):
    return [b for x in xs for b in v(x)]


FAMILY = {name: i for i, name in enumerate(
    ['unary', 'binary', 'broadcast', 'let_tree', 'matmul', 'dot', 'index', 'extremes', 'seeds', 'lets', 'where'])}
UNARY = ['negate', 'exp', 'log', 'sin', 'cos', 'tan', 'tanh', 'sqrt', 'square', 'abs', 'sigmoid', 'log1p', 'expm1']
BINARY = ['+', '-', '*', '/', 'pow', 'max', 'min']

EDGES = ['0', '-0', 'nan', 'inf', '-inf', 'tiny', '1e-310', '-720', '710', '1e300']
MODERATE = [1.5, -0.25, 3.0, 0.125, -2.5, 7.75, 0.0009765625, -13.0, 2.0, 5.5, -0.5]

CASES = {
    # family unary: op, n, x, like(n), y (under a fused sum)
    'unary_exp_sum': [FAMILY['unary'], UNARY.index('exp'), 11] + vals(*MODERATE) + [0] + vals(*reversed(MODERATE)),
    'unary_log_edges': [FAMILY['unary'], UNARY.index('log'), 10] + vals(*EDGES) + [0] + vals(*MODERATE[:10]),
    'unary_sqrt_edges': [FAMILY['unary'], UNARY.index('sqrt'), 10] + vals(*EDGES) + [0] + vals(*EDGES),
    'unary_sigmoid_mismatch': [FAMILY['unary'], UNARY.index('sigmoid'), 5] + vals(*MODERATE[:5]) + [MISMATCH]
                              + vals(*MODERATE) + vals(*MODERATE[:5]),
    # family binary: op, rule (0 a fused sum, 1 a fused mean), n, x, like(n), y
    'binary_pow_mean': [FAMILY['binary'], BINARY.index('pow'), 1, 9] + vals(*EDGES[:9]) + [0] + vals(*MODERATE[:9]),
    'binary_max_ties': [FAMILY['binary'], BINARY.index('max'), 0, 6] + vals('1', '1', 'nan', '2', '-0', '0') + [0]
                       + vals('1', '2', '1', 'nan', '0', '-0'),
    # family broadcast: op, scalar on the left, n, y, s (y / s runs by the reciprocal)
    'broadcast_divide_by_scalar': [FAMILY['broadcast'], BINARY.index('/'), 0, 9] + vals(*MODERATE[:9]) + vals(0.125),
    'broadcast_scalar_over_vector': [FAMILY['broadcast'], BINARY.index('/'), 1, 9] + vals(*EDGES[:9]) + vals(-3.0),
    'broadcast_denormal_divisor': [FAMILY['broadcast'], BINARY.index('/'), 0, 3] + vals('0', 1.0, '1e-300') + vals('1e-310'),
    # family let_tree: unary op, op2 (y . s), op1 (between the two), rule (0 sum, 1 mean, 2 norm, 3 max, 4 min,
    # 5 logsumexp), n, x, like(n), y, s
    'let_tree_tanh_mul_sub_max': [FAMILY['let_tree'], UNARY.index('tanh'), BINARY.index('*'), BINARY.index('-'), 3, 8]
                                 + vals(*MODERATE[:8]) + [0] + vals(*MODERATE[1:9]) + vals(0.5),
    'let_tree_log_edges_logsumexp': [FAMILY['let_tree'], UNARY.index('log'), BINARY.index('+'), BINARY.index('*'), 5, 10]
                                    + vals(*EDGES) + [0] + vals(*MODERATE[:10]) + vals(1.0),
    'let_tree_exp_norm': [FAMILY['let_tree'], UNARY.index('exp'), BINARY.index('max'), BINARY.index('/'), 2, 7]
                         + vals(*MODERATE[:7]) + [0] + vals(*EDGES[:7]) + vals(0.0),
    'let_tree_empty_min': [FAMILY['let_tree'], UNARY.index('abs'), BINARY.index('min'), BINARY.index('+'), 4, 0, 0]
                          + vals(1.0),
    'let_tree_mismatch': [FAMILY['let_tree'], UNARY.index('cos'), BINARY.index('/'), BINARY.index('pow'), 1, 4]
                         + vals(*MODERATE[:4]) + [MISMATCH] + vals(*MODERATE[:5]) + vals(2.0) + vals(*MODERATE[:4]),
    # family matmul: form, r, k, c, like(k), then the form's operands
    'matmul_seeded': [FAMILY['matmul'], 0, 3, 9, 2, 0] + vals(*(MODERATE * 3)[:27]) + vals(*(MODERATE * 2)[:18])
                     + [0, 0] + vals(*MODERATE[:6]),
    'matmul_inner_mismatch': [FAMILY['matmul'], 1, 2, 3, 0, MISMATCH] + vals(*MODERATE[:6]) + vals(*MODERATE[:6])
                             + vals(*MODERATE[:4]) + [0] + vals(1.0, 2.0) + vals(*MODERATE[:3]) + vals(1.0, -1.0),
    'matmul_tanh': [FAMILY['matmul'], 3, 2, 9, 3, 0] + vals(*(MODERATE * 2)[:18]) + vals(*(MODERATE * 3)[:27]),
    # family dot: form, n, like(n), x, y, s, d, four
    'dot_static_mismatch': [FAMILY['dot'], 3, 3, 0] + vals(1.0, 2.0, 3.0) + vals(1.0, 2.0, 3.0) + vals(2.0)
                           + vals(1.0, 2.0, 3.0) + vals(1.0, 2.0, 3.0, 4.0) + vals(0.5, 0.25, -1.0, 8.0),
    'dot_empty_and_scalar': [FAMILY['dot'], 1, 0, 0] + vals(2.0),
    # family index: form, n, rows, cols, x, M, indices
    'index_out_of_range': [FAMILY['index'], 0, 4, 0, 0] + vals(1.0, 2.0, 3.0, 4.0) + [1, 226],
    'index_exp_inf': [FAMILY['index'], 2, 4, 0, 0] + vals('inf', 2.0, 'nan', -1.0) + [1, 3],
    # family extremes: form, n, x, flag (then one palette byte per element)
    'extremes_empty_logsumexp': [FAMILY['extremes'], 2, 0, 0],
    'extremes_ties_nan_max': [FAMILY['extremes'], 0, 8] + vals(*MODERATE[:8]) + [1, 2, 2, 9, 2, 12, 11, 0, 1],
    'extremes_logsumexp_infinities': [FAMILY['extremes'], 2, 4] + vals('-inf', '-inf', '-inf', '-inf') + [0],
    # family seeds: form, n, x, like(n) y, s, like(n) sd, like(n) sd2, c
    'seeds_vector_and_number': [FAMILY['seeds'], 1, 5] + vals(*MODERATE[:5]) + [0] + vals(*MODERATE[1:6]) + vals(2.0)
                               + [0] + vals(1.0, -1.0, 0.5, 'nan', 0.0) + [0] + vals(*MODERATE[:5]) + vals(-3.0),
    'seeds_wrong_extent': [FAMILY['seeds'], 2, 5] + vals(*MODERATE[:5]) + [0] + vals(*MODERATE[1:6]) + vals(2.0)
                          + [MISMATCH] + vals(*MODERATE) + [0] + vals(*MODERATE[:5]) + vals(1.0)
                          + vals(*MODERATE[:5]) + vals(*MODERATE[:5]) + vals(*MODERATE[:5]),
    # family lets: form (0, 1 stop_at, 2 nested), n, x, like(n) y, s
    'lets_nested_mismatch': [FAMILY['lets'], 2, 6] + vals(*MODERATE[:6]) + [MISMATCH] + vals(*MODERATE[:8]) + vals(0.5)
                            + vals(*MODERATE[2:8]),
    'lets_stop_at': [FAMILY['lets'], 1, 6] + vals(*EDGES[:6]) + [0] + vals(*MODERATE[:6]) + vals(0.5),
    # family where: form, n, x, like(n) y, s, c
    'where_log_unchosen_zero': [FAMILY['where'], 1, 5] + vals('0', '-1', '1', 'inf', 'nan') + [0]
                               + vals(1.0, 2.0, -3.0, 4.0, 0.0) + vals(1.0) + vals(0.5),
    'where_stop_gradient': [FAMILY['where'], 2, 5] + vals(*EDGES[:5]) + [0] + vals(*MODERATE[:5]) + vals(1.0) + vals(0.0),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    os.makedirs(out, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes(data))
    print('%d inputs written to %s' % (len(CASES), out))


if __name__ == '__main__':
    main()
