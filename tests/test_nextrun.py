"""The next finetuning run to buy (emergence.nextrun) against brute force: noisy simulated
runs at the suggested and at the least useful candidate, refitted, intervals measured."""
import numpy as np

from emergence import law, nextrun, priors as priors_mod, uncertainty
from emergence.observations import simulate_obs


def _fit(obs):
    pre = obs[obs["pretrain_loss"] > 3.0]  # pre-emergence rows of the fixture
    m = law.Model(pre["pretrain_loss"], pre["value"], pre["data_amount"], 6.0)
    pri = priors_mod.from_data(m.loss, m.y)
    r = law.fit_mle(m, pri)
    return m, uncertainty.slopes_prior(pri, r["theta"], m), r


def test_suggestion_narrows_the_interval_more_than_the_worst_candidate_by_brute_force():
    obs = simulate_obs(sigma=0.02, Ds=(4, 16, 64, 256), seed=5)
    m, pri, r = _fit(obs)
    s = nextrun.suggest(m, pri, r, n_draws=2)
    assert s["best"] is not None and s["best"]["width_after"] <= s["width_before"] + 1e-9
    opts = [o for o in s["options"] if o["width_after"] is not None]
    worst = max(opts, key=lambda o: o["width_after"])
    assert worst["width_after"] > s["best"]["width_after"]
    sigma = float(np.exp(r["theta"][-1]))
    rng = np.random.default_rng(0)

    def brute(o, n=8):
        widths = []
        for _ in range(n):
            aug = nextrun.augmented(m, r["theta"], o["loss"], o["data_amount"], 2)
            aug = law.Model(aug.loss, aug.y + np.r_[np.zeros(m.n), sigma * rng.standard_normal(2)],
                            aug.D, aug.d0)
            w = nextrun.width(aug, pri)
            if w is not None:
                widths.append(w)
        return np.mean(widths)

    assert brute(s["best"]) < brute(worst)
