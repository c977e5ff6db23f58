#!/usr/bin/env python3
"""VNN-COMP-style score of a `verity vnncomp` results file next to the 2021 tools' scores on the same instances.

+10 per answer (sat/unsat) that matches the table's expected_majority, -150 per answer that contradicts it; instances
without a majority count for nobody. Usage (from the repository root):
    python3 bench/vnncomp_score.py docs/results/vnncomp/acasxu_1x-3x.csv [../shared/benchmarks/vnncomp_expected_results.csv]
"""
import collections
import csv
import sys


def main():
    results = sys.argv[1]
    table = sys.argv[2] if len(sys.argv) > 2 else '../shared/benchmarks/vnncomp_expected_results.csv'
    ours = {}
    for r in csv.DictReader(open(results)):
        ours[(r['onnx'].split('/')[-1], r['vnnlib'].split('/')[-1])] = r['result']
    tools = collections.defaultdict(lambda: [0, 0])
    verity = [0, 0]
    for d in csv.DictReader(open(table)):
        if d['year'] != '2021' or (d['onnx'], d['vnnlib']) not in ours:
            continue
        expected = d['expected_majority']
        if expected not in ('sat', 'unsat'):
            continue
        answer = ours[(d['onnx'], d['vnnlib'])]
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
