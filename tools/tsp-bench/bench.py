"""Side by side, one run: sitetwin's patrol-route solver (`sitetwin route tsp --json`), Google
OR-Tools routing (guided local search) and the fast-tsp package, each given the same time per
instance, on every TSPLIB instance of a folder with its optima in `solutions` (`name : length`).
Prints a Markdown table for docs/benchmarks.md.

    python3 -m venv .venv && .venv/bin/pip install ortools fast-tsp
    .venv/bin/python tools/tsp-bench/bench.py ../shared/corpora/tsplib target/release/sitetwin [SECONDS]

The instances are read here with TSPLIB's EUC_2D distance (nint of the Euclidean distance), the
only type in the corpus; each peer gets the same integer matrix.
"""

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


def sitetwin(binary, path, seconds):
    out = subprocess.run(
        [binary, "route", "tsp", str(path), "--time-limit-ms", str(int(seconds * 1000)), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return [i - 1 for i in json.loads(out.stdout)["tour"]]


def main():
    folder, binary = Path(sys.argv[1]), sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    optima = {}
    for line in (folder / "solutions").read_text().splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            optima[name.strip()] = int(value.split()[0])
    peers = [
        ("sitetwin", lambda d, p: sitetwin(binary, p, seconds)),
        ("fast-tsp", lambda d, p: fast_tsp_tour(d, seconds)),
        ("OR-Tools GLS", lambda d, p: ortools_gls(d, seconds)),
    ]
    gaps = {name: [] for name, _ in peers}
    print(f"| instance | n | optimum | " + " | ".join(f"{n} (gap, s)" for n, _ in peers) + " |")
    print("|---|---|---|" + "---|" * len(peers))
    for path in sorted(folder.glob("*.tsp")):
        d = read_euc_2d(path)
        best = optima[path.stem]
        cells = []
        for name, run in peers:
            t = time.perf_counter()
            tour = run(d, path)
            s = time.perf_counter() - t
            assert sorted(tour) == list(range(len(d))), f"{name}: not a tour of {path.stem}"
            gap = 100.0 * (length(d, tour) - best) / best
            gaps[name].append(gap)
            cells.append(f"{length(d, tour)} ({gap:.2f} %, {s:.2f} s)")
        print(f"| {path.stem} | {len(d)} | {best} | " + " | ".join(cells) + " |")
    print("| **mean gap** | | | " + " | ".join(f"**{sum(g) / len(g):.3f} %**" for g in gaps.values()) + " |")


if __name__ == "__main__":
    main()
