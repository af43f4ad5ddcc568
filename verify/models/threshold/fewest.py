"""Stage: search (untrusted). The fewest units: ``units: {max: K}`` (and ``{min, max}``).

Counts are tried upwards from :func:`verify.trusted.network.smallest_units`; each count
either fits (the witness ends the search) or gets a verify-certificate/2 refutation. The
trusted :func:`verify.trusted.network.check_fewest` decides from the spec whether the
refutation of k - 1 suffices (a dead unit is allowed, so fitting is monotone in k) or
every smaller count must be refuted; all of them are kept, so either way it checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from verify.models.threshold.network import Network, ThresholdSpec
from verify.models.threshold.search import search
from verify.trusted.network import monotone_in_units, smallest_units


@dataclass(frozen=True)
class FewestResult:
    status: str                                  # "found" | "none" | "unknown"
    units: int | None                            # the fewest count that fits
    network: Network | None
    s0: tuple[tuple[int, ...], ...] | None
    refutations: dict[int, dict[str, Any]]       # count -> verify-certificate/2
    monotone: bool                               # does k - 1's refutation suffice?
    reason: str                                  # for "unknown" / "none": what was tried
    stats: dict[str, Any] = field(default_factory=dict)


def fewest_units(spec: ThresholdSpec, *, deadline: float | None) -> FewestResult:
    """The fewest k in [smallest_units(spec), spec.shape.units] with a fitting network,
    with refutations of the smaller counts ("none": no count up to the max fits)."""
    start = time.monotonic()
    lowest, top = smallest_units(spec), spec.shape.units
    monotone = monotone_in_units(spec)
    refutations: dict[int, dict[str, Any]] = {}
    per_count: dict[int, dict[str, Any]] = {}
    for k in range(lowest, top + 1):
        result = search(spec, k, deadline=deadline)
        per_count[k] = result.stats
        stats = {"per_count": per_count, "seconds": time.monotonic() - start}
        if result.status == "realizable":
            return FewestResult("found", k, result.network, result.s0, refutations,
                                monotone, "", stats)
        if result.status == "unknown":
            done = (f"; {k - lowest} smaller count(s) refuted" if k > lowest else "")
            return FewestResult("unknown", None, None, None, refutations, monotone,
                                f"{k} units: {result.reason}{done}", stats)
        assert result.certificate is not None
        refutations[k] = result.certificate
    return FewestResult("none", None, None, None, refutations, monotone,
                        f"no count from {lowest} to {top} fits; each is refuted",
                        {"per_count": per_count, "seconds": time.monotonic() - start})
