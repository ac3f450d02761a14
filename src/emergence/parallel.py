"""An ordered map over forked worker processes.

Each law fit is single-threaded numpy, so a job given n threads runs n fits side by side:
Table 2's rows (emergence.tables), a fit's bootstrap refits (emergence.uncertainty) and its
next-run candidates (emergence.nextrun). The result never depends on the number of workers:
every random draw is made before the map, in order.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def map_ordered(fn, jobs, processes=1, log=None, what="fits"):
    """[fn(j) for j in jobs], in `processes` forked workers when > 1. fn must pickle (a
    module-level function, or a functools.partial of one). log: a logger for progress lines
    with an ETA (emergence.runtime.Progress)."""
    jobs = list(jobs)
    progress = None
    if log is not None:
        from emergence.runtime import Progress

        progress = Progress(len(jobs), log, what)
    ex = None
    if processes <= 1 or len(jobs) < 2:
        results = (fn(j) for j in jobs)
    else:
        from emergence import uncertainty

        uncertainty.import_arviz()  # once, before the fork, not in every worker
        ex = ProcessPoolExecutor(min(processes, len(jobs)), mp_context=multiprocessing.get_context("fork"))
        results = ex.map(fn, jobs)
    try:
        out = []
        for r in results:
            out.append(r)
            if progress is not None:
                progress.step()
        return out
    finally:
        if ex is not None:
            ex.shutdown()
