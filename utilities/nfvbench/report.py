# Copyright (c) 2026 Open vSwitch NFV developers.
# SPDX-License-Identifier: Apache-2.0
"""The benchmark's comparison table and chart."""

import statistics


def summary(values):
    """(min, median, max) of the non-None 'values', or None."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values), statistics.median(values), max(values)


def _fmt(stat, digits=2):
    if stat is None:
        return "-"
    lo, med, hi = stat
    return "%.*f / %.*f / %.*f" % (digits, lo, digits, med, digits, hi)


def paired_ratio(a_runs, b_runs, key):
    """Median over rounds of a[key] / b[key], pairing the runs of the same
    round (the harness alternates A B A B, so a pair shares the machine's
    state of the moment); None unless both have runs."""
    pairs = [(a[key], b[key]) for a, b in zip(a_runs or [], b_runs or [])
             if a[key] is not None and b[key]]
    if not pairs:
        return None
    return statistics.median(x / y for x, y in pairs)


def table(results, scenarios, impls):
    """Text table: per scenario and implementation, Mpps and PMD cycles per
    packet as min / median / max over repeats, then the ratios ours/upstream
    and ours/testpmd, each the median of the per-round ratios.  'results'
    maps (scenario, impl) to a list of measurement dicts, one per round."""
    lines = []
    head = "%-14s %-9s %-24s %-24s" % ("scenario", "switch", "Mpps min/med/max",
                                       "cycles/pkt min/med/max")
    lines += [head, "-" * len(head)]
    ratios = []
    for sc in scenarios:
        for impl in impls:
            runs = results.get((sc.name, impl))
            if runs is None:
                continue
            mpps = summary(r["mpps"] for r in runs)
            cpp = summary(r["cycles_per_packet"] for r in runs)
            lines.append("%-14s %-9s %-24s %-24s" % (sc.name, impl, _fmt(mpps),
                                                     _fmt(cpp, 0)))
        ours = results.get((sc.name, "ours"))
        ratios.append((sc.name,
                       paired_ratio(ours, results.get((sc.name, "upstream")), "mpps"),
                       paired_ratio(ours, results.get((sc.name, "testpmd")), "mpps"),
                       paired_ratio(ours, results.get((sc.name, "upstream")),
                                    "cycles_per_packet"),
                       paired_ratio(ours, results.get((sc.name, "plain")),
                                    "cycles_per_packet")))
    lines += ["", "ratios: median over rounds of the round's ratio "
              "(plain: ours forwarding the same frames without the NFV action)",
              "%-14s %-16s %-16s %-22s %-18s" % ("scenario", "Mpps ours/upstr",
                                                 "Mpps ours/testpmd",
                                                 "cycles/pkt ours/upstr",
                                                 "cycles/pkt ours/plain"),
              "-" * 90]
    for name, r_up, r_pmd, r_cpp, r_plain in ratios:
        lines.append("%-14s %-16s %-16s %-22s %-18s" % (
            name, "-" if r_up is None else "%.3f" % r_up,
            "-" if r_pmd is None else "%.3f" % r_pmd,
            "-" if r_cpp is None else "%.3f" % r_cpp,
            "-" if r_plain is None else "%.3f" % r_plain))
    return "\n".join(lines), ratios


def chart(path, results, scenarios, impls, title):
    """PNG bar chart of median Mpps per scenario and implementation, with
    min-max error bars.  Returns False if matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = [sc.name for sc in scenarios]
    width = 0.8 / max(len(impls), 1)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(names)), 4.5))
    for i, impl in enumerate(impls):
        meds, lows, highs = [], [], []
        for name in names:
            st = summary(r["mpps"] for r in results.get((name, impl), []))
            lo, med, hi = st if st else (0, 0, 0)
            meds.append(med)
            lows.append(med - lo)
            highs.append(hi - med)
        xs = [x + (i - (len(impls) - 1) / 2) * width for x in range(len(names))]
        ax.bar(xs, meds, width, yerr=[lows, highs], capsize=3, label=impl)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20, ha="right")
    ax.set_ylabel("Mpps (median, min-max)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True
