"""A fit job given two threads runs its bootstrap refits and next-run candidates in two forked
workers (emergence.parallel): the fit a user reads must not depend on that."""
from concurrent.futures import ProcessPoolExecutor

import pytest

from emergence.fit import fit_task
from emergence.observations import InputError, simulate_obs


def test_a_fit_is_the_same_on_one_worker_or_two(monkeypatch):
    from emergence import parallel

    pools = []  # the workers must really run: a processes that stops reaching the pool fails here
    monkeypatch.setattr(parallel, "ProcessPoolExecutor",
                        lambda n, **kw: pools.append(n) or ProcessPoolExecutor(n, **kw))
    obs = simulate_obs(sigma=0.02, Ds=(4, 16, 64, 256), seed=5)
    one, two = (fit_task(obs, "sim", chance=1 / 6, mcmc=None, bootstrap={"n": 12}, next_run=True, processes=p)
                for p in (1, 2))
    assert pools == [2, 2]  # the bootstrap's and the next-run candidates'
    assert one["bootstrap_n_ok"] >= 10 and len(one["next_run"]["options"]) >= 4
    for key in ("bootstrap_e0", "bootstrap_percentiles", "bootstrap_n_ok", "next_run", "status", "reason"):
        assert one[key] == two[key], key


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, None, "2"])
def test_a_number_of_workers_that_is_not_a_whole_number_from_one_is_refused_in_one_line(bad):
    with pytest.raises(InputError, match="processes: expected a whole number >= 1"):
        fit_task(simulate_obs(seed=5), "sim", mcmc=None, bootstrap=None, processes=bad)
