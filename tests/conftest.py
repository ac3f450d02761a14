import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SNAKEMAKE = os.path.join(os.path.dirname(sys.executable), "snakemake")
TEST_CONFIG = os.path.join(REPO, "tests", "config", "test.yaml")
HUB_TOKEN = "hf_FAKEtokenThatMustNeverBeLogged"


def snakemake(*args, workdir, check=True, timeout=900):
    """Run the real workflow (repo Snakefile) with its outputs under workdir."""
    # a fake hub token: tests check it never reaches a log or a result
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_TOKEN": HUB_TOKEN}
    cmd = [SNAKEMAKE, "-s", os.path.join(REPO, "Snakefile"), "-d", str(workdir), *args]
    p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{p.stdout[-4000:]}\n{p.stderr[-8000:]}")
    return p


@pytest.fixture(scope="session")
def test_run(tmp_path_factory):
    """The test config run once, end to end, through the same rules as the default."""
    work = tmp_path_factory.mktemp("run")
    snakemake("--configfile", TEST_CONFIG, "--cores", "2", workdir=work)
    return work / "results" / "test"
