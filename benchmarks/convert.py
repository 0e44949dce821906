"""``migrate convert`` of a large manifest tree against two YAML baselines.

Goal 1: convert ÷ a plain ruamel round-trip load + dump of the same files ≤ 0.5.
Goal 2: convert ÷ PyYAML's C-accelerated ``safe_load`` of the same files ≤ 3.
Goal 5 (``growth``): convert at N = 500, 1,000, 2,000, 4,000 Deployments; the
time per doubling should stay near 2x.

convert runs in this process through the command-line entry point, as a user
runs it (report on stdout, files written), once warmed up so that imports are
not counted; the baselines read the same files in the same process, in turns
with it.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from ruamel.yaml import YAML

from benchmarks.common import Row, interleaved, quiet, ratio, workspace
from benchmarks.generate import generate

CONVERT_GOAL = 0.5
SAFE_LOAD_GOAL = 3.0
GROWTH_SIZES = (500, 1000, 2000, 4000)
GROWTH_GOAL = 2.2  # "near 2x" per doubling


def convert_action(root: Path, scratch: Path) -> Callable[[], None]:
    """One ``migrate convert -R -f root`` into a fresh output directory per call."""
    from migrate.cli import app

    def action() -> None:
        output = Path(tempfile.mkdtemp(prefix="run-", dir=scratch)) / "out"
        with quiet():
            try:
                # Without standalone mode an exit code comes back (or as SystemExit).
                code = app(
                    ["convert", "-R", "-f", str(root), "-d", str(output)], standalone_mode=False
                )
            except SystemExit as exit_:
                code = exit_.code
        # 1 is findings (the corpus has error findings on purpose); anything else failed.
        if code not in (None, 0, 1) or not (output.exists() and any(output.iterdir())):
            raise RuntimeError(f"convert failed (exit {code}): the benchmark would measure that")

    return action


def ruamel_round_trip(files: list[Path]) -> Callable[[], None]:
    def action() -> None:
        yaml_rt = YAML(typ="rt")
        for path in files:
            documents = list(yaml_rt.load_all(path.read_text(encoding="utf-8")))
            yaml_rt.dump_all(documents, io.StringIO())

    return action


def c_safe_load(files: list[Path]) -> Callable[[], None]:
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        raise RuntimeError("PyYAML was built without libyaml: the C baseline is missing")

    def action() -> None:
        for path in files:
            list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader))

    return action


def read_action(root: Path) -> Callable[[], None]:
    """Reading alone: every document of the tree, as convert reads it."""
    from migrate.app import convert as pipeline
    from migrate.app.run import collect_less as _collect_less

    def action() -> None:
        with _collect_less():  # as convert runs it
            pipeline.load([str(root)], recursive=True)

    return action


def full_path(action: Callable[[], None]) -> Callable[[], None]:
    """``action`` with every shortcut off (``MIGRATE_FULL_PATH=1``)."""
    from migrate import fastpath

    def wrapped() -> None:
        os.environ[fastpath.ENV] = "1"
        try:
            action()
        finally:
            del os.environ[fastpath.ENV]

    return wrapped


def run(deployments: int = 2000, repeats: int = 5) -> list[Row]:
    with workspace() as temporary:
        base = Path(temporary)
        corpus = generate(base / "manifests", deployments)
        files = list(corpus.files)
        scratch = base / "out"
        scratch.mkdir()
        times = interleaved(
            {
                "convert": convert_action(corpus.root, scratch),
                "full": full_path(convert_action(corpus.root, scratch)),
                "read": read_action(corpus.root),
                "ruamel": ruamel_round_trip(files),
                "pyyaml": c_safe_load(files),
            },
            repeats,
            at_most={"ruamel": 3},  # 20 s a run, and far from its goal either way
        )
    size = (
        f"{deployments:,} Deployments ({corpus.llama_stack} Llama Stack) in "
        f"{len(files):,} files; median of {repeats}"
    )
    convert, rt, c = times["convert"], times["ruamel"], times["pyyaml"]
    read, full = times["read"], times["full"]
    per_workload = (convert - read) / max(corpus.llama_stack, 1) * 1000
    return [
        Row(
            "1. convert ÷ ruamel round-trip load+dump",
            f"{convert:.2f} s ÷ {rt:.2f} s = {ratio(convert, rt)}",
            f"≤ {CONVERT_GOAL}",
            convert / rt <= CONVERT_GOAL,
            size,
        ),
        Row(
            "2. convert ÷ PyYAML C safe_load",
            f"{convert:.2f} s ÷ {c:.2f} s = {ratio(convert, c)}",
            f"≤ {SAFE_LOAD_GOAL}",
            convert / c <= SAFE_LOAD_GOAL,
            size,
        ),
        Row(
            "2a. reading alone ÷ PyYAML C safe_load",
            f"{read:.2f} s ÷ {c:.2f} s = {ratio(read, c)}",
            "(no goal)",
            None,
            f"the rest of convert: {per_workload:.1f} ms per Llama Stack workload",
        ),
        Row(
            "2b. convert with MIGRATE_FULL_PATH=1 ÷ convert",
            f"{full:.2f} s ÷ {convert:.2f} s = {ratio(full, convert)}",
            "(no goal)",
            None,
        ),
    ]


def growth(sizes: tuple[int, ...] = GROWTH_SIZES, repeats: int = 5) -> list[Row]:
    """convert at each size, the sizes in turns; the factor per doubling of N."""
    with workspace() as temporary:
        base = Path(temporary)
        actions: dict[str, Callable[[], None]] = {}
        for size in sizes:
            corpus = generate(base / f"n{size}", size)
            scratch = base / f"out{size}"
            scratch.mkdir()
            actions[str(size)] = convert_action(corpus.root, scratch)
        times = interleaved(actions, repeats)
    seconds = {size: times[str(size)] for size in sizes}
    steps = [seconds[b] / seconds[a] for a, b in itertools.pairwise(sizes)]
    # The fitted growth: (t_last / t_first) per doubling, over all the doublings.
    doublings = math.log2(sizes[-1] / sizes[0])
    overall = (seconds[sizes[-1]] / seconds[sizes[0]]) ** (1 / doublings)
    figures = ", ".join(f"N={n:,}: {seconds[n]:.2f} s" for n in sizes)
    return [
        Row(
            "5. growth per doubling of N",
            f"{overall:.2f}x over {sizes[0]:,} → {sizes[-1]:,} (steps "
            + ", ".join(f"{step:.2f}x" for step in steps)
            + ")",
            f"near 2x (≤ {GROWTH_GOAL}x)",
            overall <= GROWTH_GOAL,
            f"{figures}; 10% Llama Stack; sizes in turns, median of {repeats}",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--deployments", type=int, default=2000)
    parser.add_argument("-r", "--repeats", type=int, default=5)
    parser.add_argument("--growth", action="store_true", help="Also measure growth with N.")
    arguments = parser.parse_args()
    rows = run(arguments.deployments, arguments.repeats)
    if arguments.growth:
        rows += growth()
    for row in rows:
        print(row.line())
        if row.detail:
            print(f"    {row.detail}")


if __name__ == "__main__":
    main()
