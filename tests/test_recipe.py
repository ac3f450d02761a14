"""Recipes: typed, defaults filled, unknown keys refused; steps scale with D within bounds."""
import pytest

from emergence.recipe import Lora, Recipe


def test_defaults_and_steps():
    r = Recipe.from_config({"kind": "lora"})
    assert r.lora == Lora() and r.lr == 3e-3
    custom = Recipe.from_config({"kind": "full", "epochs": 8, "batch_size": 32, "min_steps": 8, "max_steps": 256})
    assert [custom.n_steps(d) for d in (2, 32, 1024, 4096)] == [8, 8, 256, 256]
    assert custom.n_steps(512) == 128


@pytest.mark.parametrize("spec,word", [
    ({"kind": "lora", "learning_rate": 0.1}, "learning_rate"),
    ({"kind": "lora", "lora": {"rank": 8}}, "rank"),
    ({"kind": "prefix"}, "kind"),
    ({"kind": "lora", "min_steps": 9, "max_steps": 3}, "min_steps"),
    ({"kind": "lora", "target_delimiter": " "}, "target_delimiter"),
])
def test_bad_recipes_are_refused_naming_the_key(spec, word):
    with pytest.raises(ValueError, match=word):
        Recipe.from_config(spec, "finetune.methods.x")


def test_shipped_recipes_load():
    import glob
    import os

    import yaml

    from conftest import REPO
    for path in [os.path.join(REPO, "config.yaml"), *glob.glob(os.path.join(REPO, "configs", "*.yaml"))]:
        ft = yaml.safe_load(open(path)).get("finetune") or {}
        for name, spec in {**ft.get("methods", {}), **(ft.get("compare") or {}).get("methods", {})}.items():
            assert Recipe.from_config(spec, name).kind in ("lora", "full")
