"""Side by side, one run: sitetwin's patrol-route solver (`sitetwin route tsp --json`), Google
OR-Tools routing (guided local search) and the fast-tsp package, each given the same time per
instance, on every TSPLIB instance of a folder with its optima in `solutions` (`name : length`).
Prints a Markdown table for docs/benchmarks.md.

    python3 -m venv .venv && .venv/bin/pip install ortools fast-tsp
    .venv/bin/python tools/tsp-bench/bench.py ../shared/corpora/tsplib target/release/sitetwin \
        [--seconds 1.0] [--runs 1] [--seed 1]

The instances are read here with TSPLIB's EUC_2D distance (nint of the Euclidean distance), the
only type in the corpus; each peer gets the same integer matrix. sitetwin and fast-tsp are
randomised: with `--runs N` each solver runs N times an instance (sitetwin with seeds SEED to
SEED + N - 1; fast-tsp takes no seed) and a cell gives the mean length, the range and the mean
time. OR-Tools' guided local search is deterministic up to its time limit.
"""

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path


def read_euc_2d(path):
    """The integer distance matrix of a TSPLIB EUC_2D file."""
    coords, in_nodes = [], False
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("EDGE_WEIGHT_TYPE"):
            kind = line.split(":", 1)[1].strip()
            if kind != "EUC_2D":
                raise SystemExit(f"{path}: {kind} is not read by this script")
        elif line == "NODE_COORD_SECTION":
            in_nodes = True
        elif line == "EOF" or not line:
            in_nodes = in_nodes and line != "EOF"
        elif in_nodes:
            _, x, y = line.split()[:3]
            coords.append((float(x), float(y)))
    return [[int(math.floor(math.dist(a, b) + 0.5)) for b in coords] for a in coords]


def length(d, tour):
    return sum(d[tour[i]][tour[(i + 1) % len(tour)]] for i in range(len(tour)))


def ortools_gls(d, seconds):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(d)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    cb = routing.RegisterTransitCallback(lambda i, j: d[manager.IndexToNode(i)][manager.IndexToNode(j)])
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    index, tour = routing.Start(0), []
    while not routing.IsEnd(index):
        tour.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return tour


def fast_tsp_tour(d, seconds):
    import fast_tsp

    return fast_tsp.find_tour(d, seconds)


def sitetwin(binary, path, seconds, seed):
    out = subprocess.run(
        [
            binary,
            "route",
            "tsp",
            str(path),
            "--time-limit-ms",
            str(int(seconds * 1000)),
            "--seed",
            str(seed),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return [i - 1 for i in json.loads(out.stdout)["tour"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="TSPLIB instances (*.tsp) and their `solutions` file")
    ap.add_argument("binary", help="the sitetwin binary")
    ap.add_argument("--seconds", type=float, default=1.0, help="time per instance and run")
    ap.add_argument("--runs", type=int, default=1, help="runs of each solver on each instance")
    ap.add_argument("--seed", type=int, default=1, help="sitetwin's seed for the first run")
    args = ap.parse_args()
    optima = {}
    for line in (args.folder / "solutions").read_text().splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            optima[name.strip()] = int(value.split()[0])
    seconds = args.seconds
    peers = [
        ("sitetwin", lambda d, p, r: sitetwin(args.binary, p, seconds, args.seed + r)),
        ("fast-tsp", lambda d, p, r: fast_tsp_tour(d, seconds)),
        ("OR-Tools GLS", lambda d, p, r: ortools_gls(d, seconds)),
    ]
    gaps = {name: [] for name, _ in peers}
    what = "gap, s" if args.runs == 1 else f"mean of {args.runs}, range, gap, s"
    print(f"| instance | n | optimum | " + " | ".join(f"{n} ({what})" for n, _ in peers) + " |")
    print("|---|---|---|" + "---|" * len(peers))
    for path in sorted(args.folder.glob("*.tsp")):
        d = read_euc_2d(path)
        best = optima[path.stem]
        cells = []
        for name, run in peers:
            lengths, times = [], []
            for r in range(args.runs):
                t = time.perf_counter()
                tour = run(d, path, r)
                times.append(time.perf_counter() - t)
                assert sorted(tour) == list(range(len(d))), f"{name}: not a tour of {path.stem}"
                lengths.append(length(d, tour))
            mean = sum(lengths) / len(lengths)
            gap = 100.0 * (mean - best) / best
            gaps[name].append(gap)
            s = sum(times) / len(times)
            if args.runs == 1:
                cells.append(f"{lengths[0]} ({gap:.2f} %, {s:.2f} s)")
            else:
                cells.append(f"{mean:.1f} ({min(lengths)}–{max(lengths)}, {gap:.3f} %, {s:.2f} s)")
        print(f"| {path.stem} | {len(d)} | {best} | " + " | ".join(cells) + " |")
    print("| **mean gap** | | | " + " | ".join(f"**{sum(g) / len(g):.3f} %**" for g in gaps.values()) + " |")


if __name__ == "__main__":
    main()
