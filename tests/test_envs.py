"""The per-stage conda env files pin exactly what envs/requirements.txt pins."""
import glob
import os
import re

import yaml

from conftest import REPO


def pins(lines):
    out = {}
    for line in lines:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def test_conda_envs_match_requirements():
    req = pins(open(os.path.join(REPO, "envs", "requirements.txt")))
    req["torch"] = "2.13.0"  # installed first, on its own (see Makefile)
    files = glob.glob(os.path.join(REPO, "envs", "*.yaml"))
    assert len(files) >= 8
    for f in files:
        env = yaml.safe_load(open(f))
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        for name, version in pins(pip).items():
            assert req.get(name) == version, f"{os.path.basename(f)}: {name}=={version} vs requirements {req.get(name)}"


def test_every_rule_points_at_its_stage_env():
    for smk in glob.glob(os.path.join(REPO, "rules", "*.smk")):
        for env in re.findall(r'conda:\s*\n\s*"\.\./envs/([\w.]+)"', open(smk).read()):
            assert os.path.isfile(os.path.join(REPO, "envs", env)), f"{smk}: missing envs/{env}"
