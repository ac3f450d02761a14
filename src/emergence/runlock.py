"""`make run`: resume an interrupted run, but never under a live one.

    python -m emergence.runlock WORKDIR -- SNAKEMAKE_ARGS...

A run killed mid-way leaves Snakemake's lock behind, so `make run` unlocks before it
starts: the same command resumes. Unlocking a folder that a live Snakemake still holds would
let two runs write the same files (seen: the second's evaluate failed on a half-written
adapter). So first look for a live Snakemake whose working directory is WORKDIR (Linux
/proc: its own cwd or its -d/--directory argument); if there is one, say so in one line and
stop. Snakemake's lock files name no process, hence the scan.
"""
from __future__ import annotations

import os
import subprocess
import sys


def _is_snakemake(argv: list[str]) -> bool:
    # `snakemake ...`, `python .venv/bin/snakemake ...` or `python -m snakemake ...`
    heads = [os.path.basename(a) for a in argv[:2]]
    return "snakemake" in heads or argv[1:3] == ["-m", "snakemake"]


def _workdir(pid: str, argv: list[str]) -> str | None:
    for flag in ("-d", "--directory"):
        if flag in argv[:-1]:
            d = argv[argv.index(flag) + 1]
            try:
                return os.path.realpath(os.path.join(os.readlink(f"/proc/{pid}/cwd"), d))
            except OSError:
                return None
    try:
        return os.path.realpath(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def live_runs(workdir: str) -> list[int]:
    """PIDs of Snakemake processes (not this one's ancestors) working in `workdir`."""
    want, mine = os.path.realpath(workdir), {os.getpid(), os.getppid()}
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) in mine:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if argv and _is_snakemake(argv) and "--unlock" not in argv and _workdir(pid, argv) == want:
            out.append(int(pid))
    return sorted(out)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2 or argv[1] != "--":
        print("usage: python -m emergence.runlock WORKDIR -- SNAKEMAKE_ARGS...", file=sys.stderr)
        return 2
    workdir, args = argv[0], argv[2:]
    live = live_runs(workdir)
    if live:
        print(f"error: a Snakemake run is active in {os.path.realpath(workdir)} (pid {', '.join(map(str, live))}); "
              f"wait for it to finish or stop it, then run again", file=sys.stderr)
        return 3
    exe = os.path.join(os.path.dirname(sys.executable), "snakemake")
    subprocess.run([exe, "-d", workdir, "--unlock", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.call([exe, "-d", workdir, *args])


if __name__ == "__main__":
    sys.exit(main())
