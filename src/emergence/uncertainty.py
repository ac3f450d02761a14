"""Three views of the uncertainty of the prediction E(D0), and what they say together.

- MCMC (emcee): the posterior under emergence.priors, extended in blocks until it has
  converged (chain longer than 50 autocorrelation times, ArviZ's rank-normalised split
  R-hat and bulk/tail ESS within limits) or a step cap is reached.
- Bootstrap: rows resampled with replacement, each refitted by the full multi-start MLE
  (a refit started only at the full-data MLE inherits its basin and looks falsely sure).
- Profile likelihood: E(D0) held fixed on a grid, every other parameter maximised;
  the interval where 2 x the log-likelihood drop stays under the chi-square(1) quantile.

The paper shows MCMC and bootstrap (Table 3); the profile is our addition: it uses no
prior, so an interval that runs into the prior's edge says plainly that the data do not
bound the prediction. `verdict` turns the three into a status a user can read.
"""
from __future__ import annotations

import warnings
from functools import partial

import numpy as np
from scipy import stats
from scipy.optimize import minimize

from emergence import law, priors as priors_mod
from emergence.parallel import map_ordered
from emergence.values import RISE_SDS

PCTS = (5, 10, 25, 50, 75, 90, 95)
MCMC_DEFAULTS = dict(nwalkers=48, nsteps=1000, max_steps=20000, min_tau_ratio=50.0, max_rhat=1.01, min_ess=400)


def percentiles(x):
    return {f"p{p}": float(v) for p, v in zip(PCTS, np.percentile(x, PCTS))}


def cdf_quantiles(x, n=199) -> list[float]:
    """A distribution of E(D0) compactly, for figures (Fig. 5's CDF): n evenly spaced quantiles."""
    return np.quantile(x, np.linspace(0.005, 0.995, n)).tolist()


# ---------------------------------------------------------------------------------------------
# coordinates shared by MCMC and profile: the law as (E(D0), E(D_ref), alpha)

def _ref_index(model):
    """Index into t_all of the second elbow: the largest D, or the smallest if D0 is the largest."""
    tt = model.t_all
    return len(tt) - 2 if tt[-2] != tt[-1] else 0


def _phi(model, e0, eref, alpha):
    """(k, alpha, C) of the law through E(D0) = e0 and E(D_ref) = eref; broadcasts."""
    t0, tr = model.t_all[-1], model.t_all[_ref_index(model)]
    a0, ar = t0 ** alpha, tr ** alpha
    k = (eref - e0) / (ar - a0)
    return np.stack(np.broadcast_arrays(k, alpha, e0 - k * a0), -1)


# ---------------------------------------------------------------------------------------------
# MCMC

def import_arviz():
    """ArviZ (and xarray) take ~2.5 s to import: a parent that imports them before forking
    workers saves each worker that time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ArviZ announces its refactor on import
        import arviz as az
    return az


def _diagnostics(chain, names, rhat=None):
    """ArviZ R-hat and bulk/tail ESS per parameter; chain is (steps, walkers, ndim), each
    walker counted as a chain. rhat=None: R-hat alone (a block that fails it needs no ESS;
    R-hat is the condition that binds on the toy, and each ESS costs as much as an R-hat);
    rhat given (that R-hat result): add the ESS to it."""
    az = import_arviz()
    x = np.swapaxes(chain, 0, 1)
    if rhat is None:
        return {n: dict(rhat=float(az.rhat(x[..., j]))) for j, n in enumerate(names)}
    return {n: dict(rhat[n], ess_bulk=float(az.ess(x[..., j], method="bulk")),
                    ess_tail=float(az.ess(x[..., j], method="tail")))
            for j, n in enumerate(names)}


def _kde_move(emcee):
    """emcee's KDEMove with the kernel density written out in numpy: the same proposal (a
    Gaussian kernel with Scott's bandwidth on each complementary walker, scipy's
    gaussian_kde) without building a gaussian_kde object every step, which was 45 % of
    the sampler's time on the toy's fits."""

    class KDEMove(emcee.moves.RedBlueMove):
        def get_proposal(self, s, c, random):
            c = np.concatenate(c, axis=0)
            n, d = c.shape
            cov = np.atleast_2d(np.cov(c, rowvar=False)) * n ** (-2.0 / (d + 4))  # Scott's factor squared
            chol = np.linalg.cholesky(cov)
            q = c[random.randint(n, size=len(s))] + random.standard_normal((len(s), d)) @ chol.T

            def log_density(x):  # up to a constant, which cancels in the factor
                u = np.linalg.solve(chol, (x[:, None, :] - c[None, :, :]).reshape(-1, d).T)
                m = -0.5 * (u * u).sum(0).reshape(len(x), n)
                top = m.max(1)
                return top + np.log(np.exp(m - top[:, None]).sum(1))

            return q, log_density(s) - log_density(q)

    return KDEMove()


def moves(emcee):
    """Half differential evolution (local, along the ensemble's spread), half independence
    proposals from a KDE of the complementary walkers (global jumps along curved ridges).
    Not emcee's DESnookerMove: in emcee 3.1.6 it divides by sqrt(|z - x|) where the
    snooker update needs a unit vector, so it is not reversible and its chains settle on a
    narrower distribution (a 4-D standard normal sampled with variance 0.72; on the toy's
    rule posterior the old 80/20 DE/snooker mix put the 5th percentile 0.15 nats above a grid
    integration). bench/bench_mcmc_moves.py measures both mixes against exact answers."""
    return [(emcee.moves.DEMove(), 0.5), (_kde_move(emcee), 0.5)]


def run_mcmc(model: law.Model, theta_mle, priors, nwalkers=48, nsteps=1000, max_steps=20000, min_tau_ratio=50.0,
             max_rhat=1.01, min_ess=400, seed=0, starts=None):
    """emcee posterior of E(D0). Returns dict(converged, reason, steps, tau, acceptance,
    diagnostics, e0 samples or None).

    Sampler coordinates are (E(D0), E(D_ref), alpha, ...): the prior is uniform in E(D0)
    (emergence.priors) and k, C are strongly and nonlinearly correlated while the elbows
    are not. With a shared slope the intercepts and slopes are integrated out exactly
    (Model.log_marginal), leaving 4 dimensions; per-D slopes sample every parameter.
    Walkers start spread over `starts`, (E(D0), E(D_ref), alpha) points of the profile
    likelihood inside its interval (an ensemble that starts spread equilibrates in a few tau;
    one started in a tiny ball at the MLE needed ~2x the steps on the toy's Table 2), else
    in a small ball at the MLE. Moves: see `moves` (exact, and on the toy's rule posterior
    ~2x fewer steps than the biased mix they replace). The chain grows in blocks until it is longer than
    min_tau_ratio autocorrelation times and R-hat/ESS pass, or max_steps is reached; the
    first 3 tau are burn-in."""
    import emcee

    marginal = not model.slope_per_D
    keep = np.r_[0:3, len(theta_mle) - 1] if marginal else np.arange(len(theta_mle))
    e_lo, e_hi = priors.e_lo, priors.e_hi
    ref = _ref_index(model)
    up = model.t_all[ref] > model.t_all[-1]  # D_ref above D0: E(D_ref) >= E(D0)
    s_lo = 3  # first slope column in full theta
    n_sl = model.n_slopes

    def logp(z):
        out = np.full(len(z), -np.inf)
        e0, er = z[:, 0], z[:, 1]
        ok = (e0 >= e_lo) & (e0 <= e_hi) & (er >= e_lo) & (er <= e_hi) & ((er >= e0) if up else (er <= e0))
        ok &= (z[:, -1] >= priors.log_sigma[0]) & (z[:, -1] <= priors.log_sigma[1])
        if not marginal:
            sl = z[:, s_lo:s_lo + n_sl]
            ok &= np.all((sl >= 0) & (sl <= priors.slope_max), 1)
            if model.fewshot:  # A_fs sits just before log sigma
                ok &= (z[:, -2] >= 0) & (z[:, -2] <= priors.slope_max)
        if not ok.any():
            return out
        # the law through both elbows, and E at every fitted D and D0, computed once
        e0, er, al = e0[ok], er[ok], z[ok, 2]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # D0 = 1 or tiny D: T may tie; k
            T = model.t_all ** al[:, None]                                   # not finite is refused just below
            k = (er - e0) / (T[:, ref] - T[:, -1])
            C = e0 - k * T[:, -1]
            E = k[:, None] * T + C[:, None]
        good = ((al >= priors.alpha[0]) & (al <= priors.alpha[1]) & (C >= e_lo) & (C <= e_hi)
                & np.all((E >= e_lo) & (E <= e_hi), 1) & np.isfinite(k))
        idx = np.flatnonzero(ok)[good]
        if not len(idx):
            return out
        # E(D_ref) | E(D0) is uniform on the rest of the range
        lp = -np.log(np.maximum(e_hi - z[idx, 0] if up else z[idx, 0] - e_lo, 1e-12))
        if marginal:
            ll = model.log_marginal(None, z[idx, 3], priors.slope_max, priors.slope_max, E=E[good])
        else:
            phi = np.column_stack([k[good], al[good], C[good]])
            ll = model.loglik(np.column_stack([phi, z[idx, 3:]]))
        out[idx] = ll + lp
        return out

    th0 = np.asarray(theta_mle, float)
    # the KDE move draws from the other half of the ensemble, which must be populous enough
    # to cover the posterior; differential evolution needs a few more walkers than dimensions
    nwalkers = max(nwalkers, 2 * len(keep) + 2)
    e_ref0 = float(model.E(th0[None, :3], [model.Ds[-1] if up else model.Ds[0]])[0, 0])
    z0 = np.r_[model.e0(th0)[0], e_ref0, th0[1], th0[keep][3:]]
    rng = np.random.default_rng(seed)
    scale = 1e-3 * np.maximum(np.abs(z0), 0.1)
    p0 = z0 + scale * rng.standard_normal((nwalkers, len(z0)))
    if starts and marginal:
        pts = np.asarray(starts, float)[rng.integers(0, len(starts), nwalkers)]
        p0[:, :3] = pts + 1e-3 * rng.standard_normal(pts.shape) * np.maximum(np.abs(pts), 0.1)
    for _ in range(100):  # the MLE may sit on a bound (alpha = 4): redraw walkers outside the prior
        bad = ~np.isfinite(logp(p0))
        if not bad.any():
            break
        p0[bad] = z0 + scale * rng.standard_normal((bad.sum(), len(z0)))
    out = dict(converged=False, reason=None, steps=0, tau=None, acceptance=None, ess=None, diagnostics=None, e0=None)
    if bad.any():
        out["reason"] = "could not start walkers inside the prior (the MLE lies outside it)"
        return out
    names = ["E(D0)", "E(D_ref)", "alpha"] + (["log_sigma"] if marginal else
                                              [n for i, n in enumerate(model.names) if i >= 3])
    s = emcee.EnsembleSampler(nwalkers, len(z0), logp, vectorize=True, moves=moves(emcee))
    s.random_state = np.random.RandomState(seed).get_state()
    state, block = p0, nsteps
    while True:
        state = s.run_mcmc(state, block, progress=False)
        steps = s.iteration
        tau = s.get_autocorr_time(tol=0)
        out.update(steps=steps, tau=float(np.max(tau)), acceptance=float(np.mean(s.acceptance_fraction)))
        if not np.all(np.isfinite(tau)):
            out["reason"] = "autocorrelation time not finite"
            return out
        burn = int(3 * tau.max())
        out["ess"] = float(nwalkers * max(steps - burn, 0) / tau.max())
        long_enough = steps > min_tau_ratio * tau.max()
        if long_enough:
            chain = s.get_chain(discard=burn)
            diag = _diagnostics(chain, names)
            if max(d["rhat"] for d in diag.values()) <= max_rhat or steps >= max_steps:
                diag = _diagnostics(chain, names, rhat=diag)
            out["diagnostics"] = dict(diag, tau={n: float(t) for n, t in zip(names, tau)})
            worst_rhat = max(d["rhat"] for d in diag.values())
            worst_ess = min(min(d.get("ess_bulk", 0.0), d.get("ess_tail", 0.0)) for d in diag.values())
            if worst_rhat <= max_rhat and worst_ess >= min_ess:
                out.update(converged=True, e0=chain[:, :, 0].ravel())
                return out
        if steps >= max_steps:
            if not long_enough:
                out["reason"] = (f"not converged: {steps} steps (the cap) <= {min_tau_ratio:g} x tau "
                                 f"({tau.max():.0f})")
            else:
                out["reason"] = (f"not converged after {steps} steps (the cap): R-hat {worst_rhat:.3f} "
                                 f"(limit {max_rhat}), min ESS {worst_ess:.0f} (limit {min_ess})")
            return out
        want = int(1.1 * min_tau_ratio * tau.max()) - steps
        block = int(min(max_steps - steps, max(want, nsteps // 2)))


# ---------------------------------------------------------------------------------------------
# bootstrap

def bootstrap(loss, y, D, d0, priors, variant="log_power", slope_per_D=False, n=100, seed=0, processes=1):
    """Resample observation rows with replacement and refit the MLE from the full multi-start
    search. Returns (e0 array, n_failed); a refit that is degenerate or unidentified fails.
    processes: refits side by side (emergence.parallel); the resamples are drawn first, so the
    result is the same for any number."""
    loss, y, D = (np.asarray(a, float) for a in (loss, y, D))
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(y), len(y)) for _ in range(n)]
    refit = partial(_bootstrap_refit, loss=loss, y=y, D=D, d0=d0, priors=priors, variant=variant,
                    slope_per_D=slope_per_D)
    e0s = [e for e in map_ordered(refit, draws, processes) if e is not None]
    return np.array(e0s), n - len(e0s)


def _bootstrap_refit(i, loss, y, D, d0, priors, variant, slope_per_D):
    """E(D0) of one resample's MLE, or None where it is degenerate or unidentified."""
    m = law.Model(loss[i], y[i], D[i], d0, variant, slope_per_D)
    r = None if law.degenerate(m) else law.fit_mle(m, priors)
    if r is None or law.check_fit(m, r["theta"], priors)[0]:
        return None
    return r["e0"]


# ---------------------------------------------------------------------------------------------
# profile likelihood

def _profile_at(model, priors, e0, u=np.linspace(0, 1, 17) ** 2, start=None):
    """Max over (E(D_ref), alpha) of the log-likelihood (sigma profiled) with E(D0) = e0.
    start: an extra (E(D_ref), alpha) to start from (the MLE's): the coarse grid alone can
    miss a narrow ridge and put the profile below the maximum likelihood at the MLE itself."""
    up = model.t_all[_ref_index(model)] > model.t_all[-1]
    span = (priors.e_hi - e0) if up else (e0 - priors.e_lo)
    al = np.geomspace(*priors.alpha, 12)
    er = e0 + (1 if up else -1) * span * u
    ER, AL = np.meshgrid(er, al, indexing="ij")
    phi = _phi(model, e0, ER.ravel(), AL.ravel())
    phi = phi[law.in_prior(model, phi, priors) & np.all(np.isfinite(phi), 1)]
    if not len(phi):
        return -np.inf, None
    _, rss = model.profile(phi)

    def obj(x):
        p = _phi(model, e0, x[0], x[1])[None]
        if not np.all(np.isfinite(p)) or not law.in_prior(model, p, priors)[0]:
            return np.inf
        return model.profile(p)[1][0]

    j = int(np.argmin(rss))
    x0 = np.array([model.E(phi[j][None], [model.Ds[-1] if up else model.Ds[0]])[0, 0], phi[j, 1]])
    f0 = float(rss[j])
    if start is not None and obj(np.asarray(start, float)) < f0:
        x0 = np.asarray(start, float)
        f0 = obj(x0)
    simplex = np.vstack([x0, x0 + [0.05 * span + 0.01, 0], x0 + [0, 0.1 * x0[1]]])
    r = minimize(obj, x0, method="Nelder-Mead", options=dict(xatol=1e-4, fatol=1e-12, maxiter=300,
                                                              initial_simplex=simplex))
    best, x = (float(r.fun), r.x) if r.fun < f0 else (f0, x0)
    return -0.5 * model.n * np.log(max(best, 1e-300) / model.n), (e0, float(x[0]), float(x[1]))


def profile_interval(model, priors, mle, level=0.90, n_grid=31):
    """Profile-likelihood interval of E(D0). Returns dict(lo, hi, level, open_lo, open_hi,
    grid, drop): drop = 2 x (max log-likelihood - profile) on the grid, for figures.

    The interval is the hull of the grid region under the chi-square(1) quantile, its ends
    refined by bisection; an end that reaches the prior range is open there."""
    crit = float(stats.chi2.ppf(level, 1))
    grid = np.unique(np.r_[np.linspace(priors.e_lo, priors.e_hi, n_grid), mle["e0"]])
    ll_hat = -0.5 * model.n * np.log(max(mle["rss"], 1e-300) / model.n)
    th = np.asarray(mle["theta"], float)
    up = model.t_all[_ref_index(model)] > model.t_all[-1]
    start = (float(model.E(th[None, :3], [model.Ds[-1] if up else model.Ds[0]])[0, 0]), float(th[1]))
    at = [_profile_at(model, priors, e, start=start) for e in grid]
    prof = np.array([a[0] for a in at])
    # the profile at the MLE's own E(D0) is the maximum likelihood, whatever the search found
    i_mle = int(np.argmin(np.abs(grid - mle["e0"])))
    prof[i_mle] = max(prof[i_mle], ll_hat) if np.isfinite(prof[i_mle]) else ll_hat
    # a profile above the MLE's likelihood means the multi-start search stopped at a local
    # optimum (seen: E(D0) 9.6 nats where the profile at 3.8 fits far better); `better` hands
    # the caller the law through that point, to refit the MLE from
    i_best = int(np.nanargmax(prof))
    better = None
    if prof[i_best] > ll_hat + 1e-6 and at[i_best][1] is not None:
        better = _phi(model, *at[i_best][1])[:3].tolist()
    ll_hat = max(ll_hat, float(np.nanmax(prof)))
    drop = 2 * (ll_hat - prof)
    inside = np.flatnonzero(drop <= crit)
    i_lo, i_hi = inside.min(), inside.max()

    def refine(a, b):  # a inside, b outside: bisect the crossing
        for _ in range(5):
            m = 0.5 * (a + b)
            if 2 * (ll_hat - _profile_at(model, priors, m, start=start)[0]) <= crit:
                a = m
            else:
                b = m
        return 0.5 * (a + b)

    lo = grid[0] if i_lo == 0 else refine(grid[i_lo], grid[i_lo - 1])
    hi = grid[-1] if i_hi == len(grid) - 1 else refine(grid[i_hi], grid[i_hi + 1])
    return dict(lo=float(lo), hi=float(hi), level=level, open_lo=bool(i_lo == 0), open_hi=bool(i_hi == len(grid) - 1),
                grid=grid.tolist(), drop=np.minimum(drop, 1e6).tolist(),
                starts=[at[i][1] for i in inside if at[i][1] is not None], better=better)


# ---------------------------------------------------------------------------------------------
# prior sensitivity

def prior_sensitivity(model, pri, mle, rel=1e-3):
    """The law's alpha at an end of its prior: refit the MLE with that end moved out (the
    upper x 2, the lower / 10) and report how far E(D0) moves. A flat likelihood in alpha
    lets the prior's arbitrary end set the law's shape; a prediction that moves more than
    the views may disagree is the prior's, not the data's. None when alpha is inside."""
    a, (lo, hi) = float(mle["theta"][1]), pri.alpha
    if a >= hi * (1 - rel):
        end, wide = hi, (lo, 2 * hi)
    elif lo > 0 and a <= lo * (1 + rel):  # a lower end of 0 cannot move further out
        end, wide = lo, (lo / 10, hi)
    else:
        return None
    # started from the MLE too, so the wider prior's fit is never worse than the narrow one's
    r = law.fit_mle(model, priors_mod.Priors(pri.e_lo, pri.e_hi, wide, pri.slope_max, pri.log_sigma),
                    extra_starts=[mle["theta"]])
    if r is None:
        return dict(param="alpha", bound=end, widened=list(wide), e0=None, alpha=None, shift=None)
    return dict(param="alpha", bound=end, widened=list(wide), e0=r["e0"], alpha=float(r["theta"][1]),
                shift=abs(r["e0"] - mle["e0"]))


# ---------------------------------------------------------------------------------------------
# the law's own error: how far each D's elbow strays from it

def discrepancy(model, theta, lof, rise_sds, min_rise=RISE_SDS) -> dict:
    """The law's own error: how far each data amount's elbow strays from it, beyond noise.

    The MCMC, bootstrap and profile intervals assume the law is E(D) exactly; on a series whose
    elbows stray from it (a step in D the law bends through) they are narrow and can miss.
    Here each D's elbow is the law's plus a draw from N(0, sd^2) (a random effect, as between
    studies in a meta-analysis), estimated by moments from law.lack_of_fit's free elbows: only
    D whose elbow has a standard error se (the elbow of rows at the floor is anywhere below
    them: no se) and whose rows rise by themselves where that can be judged (rise_sds >=
    min_rise, or None: too few rows), at least 4 of them (the law takes 3 of their degrees of
    freedom).

    The strays move the fitted law too, most where it is extrapolated. Linearised, the
    posterior is centred on the law fitted to the elbows with weights w = 1/se^2 (X the law's
    gradient in (k, alpha, C) at each D, x0 at D0); E(D0) moves by l' (noise + strays), l the
    fit's influence of each elbow on E(D0), so its variance grows by sd^2 |l|^2 beyond the
    posterior's (the sandwich; the re-weighted fit's variance, used to 2026-12-05, is not the
    centred fit's and fell short with unequal se). With the few-shot elbow one more stray (an
    assumption: D0 lies outside the fitted D, where a systematic misfit is often largest), the
    predictive interval adds N(0, extra_var) to the posterior, extra_var = sd^2 (1 + |l|^2).
    The deviations' sum of squares has expectation noise + sd^2 spread (the traces of the
    residual maker B with the se and without), so sd^2 = max(0, (sum(dev^2) - noise) / spread),
    which is sum(dev^2) / (n - 3) - mean(se^2) where the se are equal.
    sd rests on df = n - 3 degrees of freedom (n elbows, a 3-parameter law), so it is not
    taken as known: error_sd_draws gives extra_sd's distribution (extra_sd_quantiles), which
    is t on df without a noise floor or leverage (and with equal se), and still spreads where the moments put sd at 0
    (a normal plug-in held the truth in ~2/3 of simulated tables with 4 elbows, docs/fit.md).
    Returns dict(sd, n, df, leverage: |l|^2, extra_sd, extra_sd_quantiles, deviations: {D: free
    elbow - law}) or dict(reason)."""
    if lof is None:
        return dict(reason="no lack-of-fit test here (per-D slopes, fewer than 4 data amounts, or no residual "
                           "degrees of freedom)")
    se = lof.get("elbow_se") or {}
    # an elbow of rows at the floor has no closed se; rise_sds also drops noise that a free elbow
    # fits, where it can judge (5 or more rows): None there is left to the se
    use = [d for d in lof["elbows"] if se.get(d) is not None and (rise_sds.get(d) is None or rise_sds[d] >= min_rise)]
    if len(use) < 4:
        return dict(reason=f"{len(use)} data amounts have a pinned elbow that rises by itself; 4 are needed")
    # a noiseless elbow has se 0: floored (relative to the largest, so the weights stay comparable)
    se2 = np.array([se[d] for d in use], float) ** 2
    Ds, s2 = np.array([float(d) for d in use]), np.maximum(se2, max(1e-8 * se2.max(), 1e-18))
    th = np.atleast_2d(theta)
    dev = np.array([lof["elbows"][d] for d in use]) - model.E(th, Ds)[0]
    n, df, ss = len(use), len(use) - 3, float(dev @ dev)
    X, x0 = law.jacobian(model.lawname, th[0, 0], th[0, 1], Ds), law.jacobian(model.lawname, th[0, 0], th[0, 1],
                                                                              [model.d0])[0]
    # the weighted fit in whitened coordinates, pinv: k at 0 leaves alpha's column at 0
    rw = np.sqrt(1 / s2)
    pw = np.linalg.pinv(X * rw[:, None])
    B = np.eye(n) - (X @ pw) * rw[None, :]  # residual maker: dev = B (noise + strays)
    noise, spread = float(np.sum(B ** 2 * s2[None, :])), float(np.sum(B ** 2))
    lev = (x0 @ pw) * rw  # E(D0)'s influence of each elbow
    gain = 1.0 + float(lev @ lev)
    sd2 = max(0.0, (ss - noise) / spread)
    draws = error_sd_draws(ss, df, noise / df, gain=gain, scale=df / spread)
    return dict(sd=float(np.sqrt(sd2)), n=n, df=df, leverage=gain - 1.0, extra_sd=float(np.sqrt(gain * sd2)),
                extra_sd_quantiles=cdf_quantiles(draws), deviations={d: float(v) for d, v in zip(use, dev)})


def error_sd_draws(ss, df, se2, gain=1.0, scale=1.0, m=4000, seed=0) -> np.ndarray:
    """Draws of the law's own error sd at D0, its estimate's uncertainty included. The
    elbows' spread about the law, ss = sum(dev^2), is ~ sigma^2 chi2(df) (exact for equal se),
    sigma^2 = (tau^2 spread + noise) / df (discrepancy); under Jeffreys' prior on sigma^2 its
    posterior is ss / chi2(df), and tau^2 = (sigma^2 - se2) scale where positive, se2 = noise /
    df, scale = df / spread (se2 = mean se^2 and scale 1 where the se are equal).
    A normal scaled by these draws is Student's t on df where se2 is 0 and gain and scale 1;
    unlike a t scaled by the point estimate, it still spreads where that estimate is truncated
    at 0. gain: the variance each unit of tau^2 adds at D0 (1 + leverage)."""
    rng = np.random.default_rng(seed)
    return np.sqrt(gain * np.maximum(0.0, (ss / rng.chisquare(df, m) - se2) * scale))


def predictive(e0_draws, extra_sd, priors, seed=0) -> np.ndarray:
    """Draws of the few-shot elbow: the posterior's E(D0) plus the law's own error
    N(0, extra_sd^2) (discrepancy), extra_sd one number (known) or draws of it (each E(D0)
    draw takes one at random: error_sd_draws), kept inside the prior's range of emergence
    points (never below 0 nats)."""
    rng = np.random.default_rng(seed)
    e0 = np.asarray(e0_draws, float)
    sd = np.asarray(extra_sd, float)
    if not (sd > 0).any():
        return e0
    scale = rng.choice(sd, e0.shape) if sd.ndim else sd
    return np.clip(e0 + scale * rng.normal(0.0, 1.0, e0.shape), priors.e_lo, priors.e_hi)


# ---------------------------------------------------------------------------------------------
# verdict

def verdict(mle_e0, views, priors, max_width=0.5, max_disagreement=0.1, boot_fail=None, sensitivity=None):
    """(status word or None, reasons). views: name -> dict(lo, mid, hi) of a 90 % interval,
    or a string saying why the view is missing. sensitivity: prior_sensitivity's result.
    None means the views pin the prediction."""
    reasons = []
    prof = views.get("profile")
    if isinstance(prof, dict) and prof["open_lo"] and prof["open_hi"]:
        return "unidentifiable", [f"the profile likelihood is flat over the whole prior range "
                                  f"[{priors.e_lo:.3g}, {priors.e_hi:.3g}] nats"]
    for name, v in views.items():
        if isinstance(v, str):
            reasons.append(f"{name}: {v}")
            continue
        w = v["hi"] - v["lo"]
        if w > max_width:
            reasons.append(f"90 % {name} interval {v['lo']:.3g}-{v['hi']:.3g} is {w:.2f} nats wide (> {max_width:g})")
        if v.get("open_lo") or v.get("open_hi"):
            side = "below" if v.get("open_lo") else "above"
            reasons.append(f"{name} interval reaches the prior's end: the data do not bound E(D0) from {side}")
    mids = {n: v["mid"] for n, v in views.items() if isinstance(v, dict)}
    if not mids:  # 'ok' claims the data pin E(D0); with no interval nothing has checked that
        reasons.append("no interval was computed (profile, MCMC and bootstrap all off or failed), "
                       "so nothing shows that the data pin E(D0)")
    if len(mids) > 1 and np.ptp(list(mids.values())) > max_disagreement:
        reasons.append("views disagree by more than %g nats (%s)" % (
            max_disagreement, ", ".join(f"{n} {m:.3f}" for n, m in mids.items())))
    if sensitivity and (sensitivity["shift"] is None or sensitivity["shift"] > max_disagreement):
        moved = ("has no MLE" if sensitivity["shift"] is None
                 else f"moves the MLE by {sensitivity['shift']:.2f} nats (> {max_disagreement:g})")
        reasons.append(f"alpha sits at its prior's end {sensitivity['bound']:g}, so the prior sets the law's shape: "
                       f"alpha in [{sensitivity['widened'][0]:g}, {sensitivity['widened'][1]:g}] {moved}")
    if boot_fail is not None and boot_fail[0] > 0.2 * boot_fail[1]:
        reasons.append(f"{boot_fail[0]} of {boot_fail[1]} bootstrap refits unidentifiable")
    return ("weak" if reasons else None), reasons


def slopes_prior(p, theta, model):
    """The slope prior, widened to keep the MLE's slopes (A.., A_fs) inside it."""
    idx = [i for i, n in enumerate(model.names) if n.startswith("A")]
    return priors_mod.widen_slopes(p, np.asarray(theta)[idx])
