"""A fit job given two threads runs its bootstrap refits and next-run candidates in two forked
workers (emergence.parallel): the fit a user reads must not depend on that."""
from emergence.fit import fit_task
from emergence.observations import simulate_obs


def test_a_fit_is_the_same_on_one_worker_or_two():
    obs = simulate_obs(sigma=0.02, Ds=(4, 16, 64, 256), seed=5)
    one, two = (fit_task(obs, "sim", chance=1 / 6, mcmc=None, bootstrap={"n": 12}, next_run=True, processes=p)
                for p in (1, 2))
    assert one["bootstrap_n_ok"] >= 10 and len(one["next_run"]["options"]) >= 4
    for key in ("bootstrap_e0", "bootstrap_percentiles", "bootstrap_n_ok", "next_run", "status", "reason"):
        assert one[key] == two[key], key
