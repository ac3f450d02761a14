import numpy as np
import pandas as pd
import pytest

from emergence import passuntil as pu


@pytest.mark.parametrize("p", [0.3, 0.05, 0.01])
@pytest.mark.parametrize("r", [2, 3, 5])
def test_unbiased_form_is_unbiased_and_mle_is_not(p, r):
    s = pu.simulate(np.full(20000, p), r, k_max=100_000, seed=int(1000 * p) + r)
    est = pu.estimate(s.passes, s.K, r)
    se = est.pu.std() / np.sqrt(len(est))
    assert abs(est.pu.mean() - p) < 3 * se
    mle = pu.estimate(s.passes, s.K, r, form="mle").pu
    if r <= 3:  # r/K's upward bias shrinks like p/(r-1); plainly visible for small r
        assert mle.mean() - p > 3 * mle.std() / np.sqrt(len(mle))


def test_censoring_flags_and_stays_unbiased():
    # p = 0.01 with K_max = 100: most instances are censored, yet the mean is unbiased
    s = pu.simulate(np.full(20000, 0.01), 3, k_max=100, seed=1)
    est = pu.estimate(s.passes, s.K, 3)
    assert est.censored.mean() > 0.5
    assert abs(est.pu.mean() - 0.01) < 3 * est.pu.std() / np.sqrt(len(est))
    # p = 0 never passes: flagged censored with a positive upper bound, not an exact zero
    z = pu.simulate(np.zeros(50), 2, k_max=1000, seed=2)
    ez = pu.estimate(z.passes, z.K, 2)
    assert (z.K == 1000).all() and ez.censored.all()
    assert np.allclose(ez.upper, 1 - 0.05 ** (1 / 1000))  # the rule of three, ~3/K
    t = pu.task_pu(ez)
    assert t["n_censored"] == 50 and t["pu_upper"] > 0


def test_planner_rounds_resolve_and_stop():
    rng = np.random.default_rng(0)
    p = pd.Series({"easy": 0.5, "mid": 0.05, "never": 0.0})
    r, k_max = 3, 400
    state = pu.init_state(p.index)
    for rnd in range(50):
        plan = pu.plan_round(state, r, k_max, batch=64)
        if plan.empty:
            break
        assert (plan.n >= 1).all() and (plan.n <= 64).all() and (plan.K + plan.n <= k_max).all()
        out = {i: (rng.random(n) < p[i]).astype(int) for i, n in zip(plan.id, plan.n)}
        state = pu.absorb(state, out, r, k_max)
        if rnd == 0:  # 'easy' gets 2*(r-0) samples at first; a few rounds later it is resolved
            assert plan.set_index("id").n["easy"] == 6
    s = state.set_index("id")
    assert plan.empty
    assert s.passes["easy"] == r and s.passes["mid"] == r
    assert s.K["never"] == k_max and s.passes["never"] == 0
    # resolved instances are not sampled again, and absorb ignores anything past r passes
    again = pu.absorb(state, {"easy": [1, 1, 1]}, r, k_max).set_index("id")
    assert again.K["easy"] == s.K["easy"]
    assert set(pu.plan_round(state, r, k_max, 64).id) == set()


def test_absorb_truncates_at_rth_pass():
    st = pu.absorb(pu.init_state(["a"]), {"a": [0, 1, 0, 1, 1, 0]}, r=2, k_max=100)
    assert st.K[0] == 4 and st.passes[0] == 2


def test_outcomes_from_generation_samples():
    recs = [{"doc_id": 0, "target": "a b c", "filtered_resps": [["a b c", " a b c ", "a b d"]]},
            {"doc_id": 1, "target": "x y z", "filtered_resps": ["x y"]}]
    assert pu.outcomes_from_samples(recs) == {0: [1, 1, 0], 1: [0]}


def test_task_pu_bootstrap_is_seeded():
    s = pu.simulate(np.geomspace(1e-3, 0.5, 200), 3, 10_000, seed=3)
    e = pu.estimate(s.passes, s.K, 3)
    a, b = pu.task_pu(e, seed=1), pu.task_pu(e, seed=1)
    assert a == b and a["lo"] < a["pu"] < a["hi"]


@pytest.mark.parametrize("weighted", [False, True])
def test_fit_recovers_c_alpha(weighted):
    rng = np.random.default_rng(0)
    c, alpha = 40.0, 0.25
    N = np.geomspace(1e6, 3e9, 9)
    true = np.exp(-c * N ** -alpha)
    noisy = true * np.exp(rng.normal(0, 0.02, N.size))
    f = pu.fit_law(N, noisy, se=0.02 * noisy if weighted else None)
    assert f["alpha"] == pytest.approx(alpha, abs=0.01)
    assert f["c"] == pytest.approx(c, rel=0.15)
    assert np.allclose(f["curve"](N), true, rtol=0.05)
    h = pu.predict_holdout(pd.DataFrame({"params": N, "pu": noisy}))
    assert h["x_holdout"] == N.max() and h["rel_err"] < 0.05


def test_instance_fits_and_ipu_holdout():
    N = np.geomspace(1e6, 1e9, 6)
    cs, alphas = [20.0, 60.0, 200.0], [0.2, 0.3, 0.35]
    df = pd.DataFrame([{"id": i, "params": n, "pu": np.exp(-c * n ** -a)}
                       for i, (c, a) in enumerate(zip(cs, alphas)) for n in N])
    fits = pu.fit_instances(df)
    assert np.allclose(fits.alpha, alphas) and np.allclose(fits.c, cs)
    h = pu.predict_holdout(df, id="id")
    assert h["rel_err"] < 1e-6


def test_curvature_classifier():
    rng = np.random.default_rng(1)
    t = np.linspace(np.log(1e6), np.log(1e9), 10)
    u = t - t.mean()
    noise = rng.normal(0, 0.01, t.size)
    assert pu.classify_curvature(t, 3 - 0.3 * u + noise)["label"] == "linear"
    cc = pu.classify_curvature(t, 3 - 0.3 * u - 0.08 * u ** 2 + noise)
    assert cc["label"] == "concave" and cc["hi"] < 0 and cc["p"] < 0.05
    assert pu.classify_curvature(t, 3 - 0.3 * u + 0.08 * u ** 2 + noise)["label"] == "convex"
