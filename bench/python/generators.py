#!/usr/bin/env python3
"""The Python twins of the generator benchmarks, run beside them by bench/run.

Same scenarios, same sizes, same result keys as the JMH classes:
  GeneratorFlatBenchmark.python    a generator yields 0 until ITEMS; the consumer iterates and sums
  GeneratorNestedBenchmark.python  the same items at depth DEPTH: gen(d) = `yield from gen(d - 1)`,
                                   gen(0) yields them
(no buffered twin: Python's generators have no run-ahead form). The sum is checked.

    python3 bench/python/generators.py [-quick] [-run REGEX]

Each line of output, as the Go twins': "RESULT <tab> <scenario> <tab> <median> <tab> <unit> <tab>
<all samples>", in ns per item. Full: 2 warm-up runs + 5 timed runs; -quick: 1 + 3.
"""
import argparse
import re
import statistics
import sys
import time

ITEMS = 1_000_000  # GeneratorFlatBenchmark.ITEMS
DEPTH = 50  # GeneratorNestedBenchmark.DEPTH
SUM = ITEMS * (ITEMS - 1) // 2


def gen(depth, n):
    """At depth 0 yields 0 until n; at depth d > 0 delegates to gen(d - 1)."""
    if depth == 0:
        for i in range(n):
            yield i
    else:
        yield from gen(depth - 1, n)


def consume(g):
    """The consumer: iterates and sums (a plain loop, like the JVM twins' consumer)."""
    s = 0
    for x in g:
        s += x
    return s


def once(depth):
    """One run: ns per item."""
    start = time.perf_counter_ns()
    s = consume(gen(depth, ITEMS))
    elapsed = time.perf_counter_ns() - start
    if s != SUM:
        raise SystemExit(f"generator sum at depth {depth}: got {s}, expected {SUM}")
    return elapsed / ITEMS


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-quick", action="store_true", help="fewer repetitions")
    p.add_argument("-run", default="", help="regular expression selecting scenarios by name")
    args = p.parse_args()
    pattern = re.compile(args.run)
    warm, reps = (1, 3) if args.quick else (2, 5)
    for name, depth in (("GeneratorFlatBenchmark.python", 0), ("GeneratorNestedBenchmark.python", DEPTH)):
        if not pattern.search(name):
            continue
        for _ in range(warm):
            once(depth)
        samples = [once(depth) for _ in range(reps)]
        print(f"RESULT\t{name}\t{statistics.median(samples):.1f}\tns/item\t"
              + " ".join(f"{v:.1f}" for v in samples), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
