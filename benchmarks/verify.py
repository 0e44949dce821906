"""The cost of ``--verify``: a conversion with Helm's proof against the same without it.

Both runs convert the same N Helm-managed releases (the seed example under N
release names) in this process, for the modular fixture chart with the seed's
release values, in alternating turns; the median of each is kept and the
ratio printed. The difference is Helm's render of the chart and the two
resolutions per workload.

    python -m benchmarks.verify [--releases N] [--turns T]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.common import ROOT
from migrate.app import convert as pipeline
from migrate.chart import profile
from migrate.model import Document, Status
from migrate.sources import manifests

SEED = ROOT / "fixtures" / "manifests" / "demo" / "seed-example.yaml"
VALUES = ROOT / "fixtures" / "values" / "seed.yaml"
CHART = ROOT / "fixtures" / "charts" / "llama-stack-modular"


def corpus(releases: int) -> list[Document]:
    """The seed release under ``releases`` names, one namespace each."""
    text = SEED.read_text("utf-8")
    documents: list[Document] = []
    for index in range(releases):
        renamed = text.replace("namespace: research", f"namespace: team-{index}")
        documents += manifests.documents(f"release-{index}.yaml", renamed)
    return documents


def timed(documents: list[Document], chosen: profile.Profile, verify: bool) -> float:
    start = time.perf_counter()
    result = pipeline.convert(documents, chosen, verify=verify)
    elapsed = time.perf_counter() - start
    planned = [o for o in result.outcomes if o.plan.status is Status.NEEDS_MIGRATION]
    if verify and not all(o.plan.verified for o in planned):
        raise SystemExit("a workload did not verify: the benchmark measures the wrong thing")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=50)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    chosen = profile.load(chart=Path(CHART), values=(VALUES,))
    documents = corpus(args.releases)
    timed(documents, chosen, True)  # warm: imports, the chart's native library
    plain: list[float] = []
    verified: list[float] = []
    for _ in range(args.turns):
        plain.append(timed(documents, chosen, False))
        verified.append(timed(documents, chosen, True))
    base, proof = statistics.median(plain), statistics.median(verified)
    print(
        f"convert of {args.releases} releases: {base:.3f} s; with --verify {proof:.3f} s; "
        f"ratio {proof / base:.2f}x; --verify costs {(proof - base) / args.releases * 1000:.1f} "
        "ms per workload"
    )


if __name__ == "__main__":
    main()
