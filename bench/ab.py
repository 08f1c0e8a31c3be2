#!/usr/bin/env python3
"""Compare commands by running them in turn, round after round, so that a
machine getting slower or faster during the measurement moves all of them
alike (hyperfine runs each command's rounds together). Prints the median and
first quartile of each command's wall time.

usage: bench/ab.py [--prepare CMD] ROUNDS CMD...
  --prepare CMD  a shell command run before each timed run (not timed)
"""
import statistics
import subprocess
import sys
import time


def main(argv):
    prepare = None
    if len(argv) > 1 and argv[0] == "--prepare":
        prepare, argv = argv[1], argv[2:]
    if len(argv) < 2 or not argv[0].isdigit():
        sys.stderr.write(__doc__)
        return 2
    rounds, cmds = int(argv[0]), argv[1:]
    times = {c: [] for c in cmds}
    for _ in range(rounds):
        for c in cmds:
            if prepare:
                subprocess.run(prepare, shell=True, check=True)
            start = time.perf_counter()
            rc = subprocess.run(c, shell=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode
            times[c].append(time.perf_counter() - start)
            if rc != 0:
                sys.stderr.write(f"ab: exit {rc}: {c}\n")
                return 2
    for c in cmds:
        t = sorted(times[c])
        print(f"{statistics.median(t):8.4f} s median {t[len(t) // 4]:8.4f} s q1  {c}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
