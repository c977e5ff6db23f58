#!/usr/bin/env python3
"""VNN-COMP-style score of a `verity vnncomp` results file next to the participants' scores on the same instances.

+10 per answer (sat/unsat) that matches the table's expected_majority, -150 per answer that contradicts it; instances
without a majority count for nobody. Usage (from the repository root):
    python3 bench/vnncomp_score.py docs/results/vnncomp/acasxu_1x-3x.csv [../shared/benchmarks/vnncomp_expected_results.csv]
Instances are matched by file name (a trailing .gz, as in the 2022 benchmarks, is ignored), in the table of either year.
"""
import collections
import csv
import sys


def name(path):
    base = path.split('/')[-1]
    return base[:-3] if base.endswith('.gz') else base


def main():
    results = sys.argv[1]
    table = sys.argv[2] if len(sys.argv) > 2 else '../shared/benchmarks/vnncomp_expected_results.csv'
    ours = {}
    for r in csv.DictReader(open(results)):
        ours[(name(r['onnx']), name(r['vnnlib']))] = r['result']
    tools = collections.defaultdict(lambda: [0, 0])
    verity = [0, 0]
    for d in csv.DictReader(open(table)):
        if (name(d['onnx']), name(d['vnnlib'])) not in ours:
            continue
        expected = d['expected_majority']
        if expected not in ('sat', 'unsat'):
            continue
        answer = ours[(name(d['onnx']), name(d['vnnlib']))]
        if answer in ('sat', 'unsat'):
            verity[0 if answer == expected else 1] += 1
        for column, says in (('tools_unsat(holds)', 'unsat'), ('tools_sat(violated)', 'sat')):
            for t in d[column].split():
                tools[t][0 if says == expected else 1] += 1
    print('tool correct wrong score')
    print('Verity', verity[0], verity[1], 10 * verity[0] - 150 * verity[1])
    for t, (c, w) in sorted(tools.items(), key=lambda x: -(10 * x[1][0] - 150 * x[1][1])):
        print(t, c, w, 10 * c - 150 * w)


if __name__ == '__main__':
    main()
