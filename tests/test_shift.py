"""Fig. 11: each curve's departure from the floor is read off its own rows, so a prefix-tuning
recipe that does not move emergence and one that does are told apart by number."""
import numpy as np
import pandas as pd

from emergence import figures
from emergence.figures.shift import shift_points
from emergence.observations import simulate_obs


def _obs():
    losses = np.linspace(2.4, 4.0, 14)
    obs = simulate_obs(k=0.16, alpha=1.0, C=2.62, A=0.6, A_fs=0.6, sigma=0.003, losses=losses, Ds=(256,),
                       n_samples=1, seed=3)
    fs = obs[obs["method"] == "fewshot"]
    prefix = fs.assign(method="prefix", data_amount=256, subset_sample=1)  # few-shot's elbow, a bit higher
    prefix["value"] += 0.02
    zero = fs.assign(num_fewshot=0)
    return pd.concat([obs, prefix, zero], ignore_index=True), fs


def test_prefix_and_zero_shot_keep_few_shot_emergence_while_full_finetuning_moves_it(tmp_path):
    obs, fs = _obs()
    pts = shift_points(obs, "sim", "acc", {"full": "full", "prefix": "prefix"})
    assert pts["data_amount"] == 256 and pts["num_fewshot"] == 6
    fs, zero, prefix, full = (pts[k][0] if k in pts else pts["methods"][k][0]
                              for k in ("fewshot", "zero_shot", "prefix", "full"))
    assert abs(zero - fs) < 0.03
    assert abs(prefix - fs) < 0.06  # 0.02 higher accuracy on a slope of 0.6 per nat: ~0.03 nats
    assert full > fs + 0.3  # D = 256 leaves the floor at much weaker checkpoints
    fig = figures.fig11(obs, "sim", {"full": "full", "prefix": "prefix"}, chance=1 / 6)
    assert fig is not None and len(fig.axes) == 2
    figures.save(fig, str(tmp_path / "fig11.png"), str(tmp_path / "fig11.pdf"))


def test_fig11_draws_only_the_panels_it_has_data_for():
    obs, _ = _obs()
    no_prefix = obs[obs["method"] != "prefix"]
    assert len(figures.fig11(no_prefix, "sim", {"full": "full"}).axes) == 1
    only_k = no_prefix[no_prefix["num_fewshot"] > 0]
    assert figures.fig11(only_k, "sim", {"full": "full"}) is None


def test_fig11_shows_the_finetuned_stretch_not_a_long_run_of_early_checkpoints_at_the_floor():
    obs, fs = _obs()  # every row within 2.4-4.0 nats
    floor = fs.sort_values("pretrain_loss")["value"].iloc[-1]  # the weakest checkpoint's: at chance
    early = pd.concat([fs.iloc[:1].assign(pretrain_loss=L, ckpt=f"early{L}", value=floor, num_fewshot=n)
                       for L in (5.0, 6.0, 7.0, 8.0) for n in (0, 6)])  # a dense series' first checkpoints
    fig = figures.fig11(pd.concat([obs, early], ignore_index=True), "sim", {"full": "full", "prefix": "prefix"})
    for ax in fig.axes[:2]:
        left, right = ax.get_xlim()
        assert left > right  # still inverted: more capable to the right
        assert 4.0 < left < 4.5 and right < 2.4  # the stretch that holds every curve, padded; not out to 8 nats


def test_a_curve_cut_short_keeps_its_crossing_and_one_that_never_rises_says_so():
    from emergence.figures.shift import crossing

    obs, fs = _obs()
    pts = shift_points(obs, "sim", "acc", {"prefix": "prefix"})
    at, (e_all, _) = pts["level"], pts["fewshot"]
    capable = fs[fs["pretrain_loss"] > e_all - 0.15]  # stop just past the crossing
    e_cut, _ = crossing(capable.assign(value=capable["value"].astype(float)), at)
    assert abs(e_cut - e_all) < 1e-9
    flat = fs.assign(value=1 / 6)
    e, last = crossing(flat, at)
    assert e is None and last == fs["pretrain_loss"].min()
