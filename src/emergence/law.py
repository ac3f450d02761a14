"""Emergence law of Snell et al. 2024 (SPEC section 1): model, MLE, MCMC, bootstrap.

    finetuned rows   Perf = B + A * max(0, E(D) - L)
    few-shot rows    Perf = B + Delta + A_fs * max(0, E(D0) - L)

with the emergence law E(D) = k*(log D)^alpha + C ('log_power', default) or k*D^alpha + C
('power'); 'no_fewshot' is the log power law fitted to finetuned rows only (no Delta,
A_fs). Noise is Gaussian with a fitted sigma, so the MLE is least squares.

Everything works on plain arrays: one row per observation, D = 0 marks a few-shot row.
A parameter vector `theta` follows `Model.names`; functions take batches (W, ndim).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, minimize_scalar, nnls
from scipy.special import log_ndtr

VARIANTS = ("log_power", "power", "no_fewshot")
PCTS = (5, 10, 25, 50, 75, 90, 95)

# flat prior bounds; 'A' covers the per-D slopes A_<D> too. Loss in nats, metric in its own units.
DEFAULT_BOUNDS = {
    "k": (0.0, 20.0),
    "alpha": (0.02, 4.0),
    "C": (-10.0, 20.0),
    "A": (0.0, 100.0),
    "B": (-100.0, 100.0),
    "Delta": (-100.0, 100.0),
    "A_fs": (0.0, 100.0),
    "log_sigma": (-12.0, 3.0),
}


def law(variant, k, alpha, C, D):
    """E(D); broadcasts (e.g. params (W, 1) against D (m,))."""
    t = np.asarray(D, float) if variant == "power" else np.log(np.asarray(D, float))
    return k * t ** alpha + C


def _groups(L, y, keys):
    """Collapse rows sharing (key, loss): the fits only need counts and sums per group."""
    u, inv = np.unique(np.column_stack([keys, L]), axis=0, return_inverse=True)
    inv = inv.ravel()
    n = np.bincount(inv, minlength=len(u)).astype(float)
    sy = np.bincount(inv, y, minlength=len(u))
    yc = y - y.mean() if len(y) else y
    return u[:, 0].astype(int), u[:, 1], n, sy, float(y.mean()) if len(y) else 0.0, float(yc @ yc), inv


def _moments(x, n, sy, ybar):
    """Centred sxx, sxy of a regressor that is constant within groups; x is (W, G)."""
    N = n.sum()
    sx = x @ n
    return (x * x) @ n - sx * sx / N, x @ sy - sx * ybar


def _slope_rss(sxx, sxy, syy):
    """Least squares y ~ b + a*x with a >= 0, intercept profiled out. Clipping the free slope
    at 0 is the exact constrained optimum (the profile in a is a convex parabola)."""
    a = np.where(sxx > 1e-14, np.maximum(sxy, 0.0) / np.maximum(sxx, 1e-14), 0.0)
    return a, np.maximum(syy - 2 * a * sxy + a * a * sxx, 0.0)


def _log_dphi(u0, u1):
    """log(Phi(u1) - Phi(u0)) for u1 >= u0, stable in the tails and when u1 ~ u0."""
    d, mid = u1 - u0, 0.5 * (u0 + u1)
    up = mid > 0  # upper half: Phi(u1) - Phi(u0) = Phi(-u0) - Phi(-u1), no cancellation
    a, b = np.where(up, -u1, u0), np.where(up, -u0, u1)
    lb, la = log_ndtr(b), log_ndtr(a)
    with np.errstate(divide="ignore"):
        exact = lb + np.log1p(-np.exp(np.minimum(la - lb, 0.0)))
    small = np.log(np.maximum(d, 1e-300)) - 0.5 * mid * mid - 0.5 * np.log(2 * np.pi)
    return np.where(d < 1e-5, small, exact)


def _log_block(sxx, sxy, syy, N, s2, amax):
    """log of the likelihood of y = b + a*x + N(0, s2) integrated over b in R and a in
    [0, amax] (flat priors; constants dropped): closed form via the normal CDF."""
    sxx = np.maximum(sxx, 1e-300)
    ah = sxy / sxx
    s = np.sqrt(s2 / sxx)
    return (-0.5 * (N - 1) * np.log(2 * np.pi * s2) - 0.5 * np.log(N) - (syy - sxy * ah) / (2 * s2)
            + 0.5 * np.log(2 * np.pi * s2 / sxx) + _log_dphi(-ah / s, (amax - ah) / s))


class Model:
    """The rows of one fit and the maps from parameters to predictions and likelihood."""

    def __init__(self, loss, y, D, d0, variant="log_power", slope_per_D=False):
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
        loss, y, D = (np.asarray(a, float) for a in (loss, y, D))
        fs = D == 0
        if variant == "no_fewshot":
            loss, y, D, fs = loss[~fs], y[~fs], D[~fs], fs[~fs]
        self.variant, self.slope_per_D, self.d0 = variant, slope_per_D, float(d0)
        self.lawname = "power" if variant == "power" else "log_power"
        self.loss, self.y, self.D = loss, y, D
        self.L_ft, self.y_ft, self.D_ft = loss[~fs], y[~fs], D[~fs]
        self.L_fs, self.y_fs = loss[fs], y[fs]
        self.Ds = np.unique(self.D_ft)
        self.d_idx = np.searchsorted(self.Ds, self.D_ft)
        self.ft = _groups(self.L_ft, self.y_ft, self.d_idx)
        self.fs = _groups(self.L_fs, self.y_fs, np.zeros(len(self.L_fs)))
        self.fewshot = len(self.L_fs) > 0
        d_all = np.append(self.Ds, self.d0)
        self.t_all = d_all if self.lawname == "power" else np.log(d_all)
        self.n = len(y)
        self.syy2 = np.array([[self.ft[5]], [self.fs[5]]])
        self.n2 = np.array([[len(self.y_ft)], [len(self.y_fs)]], float)
        slopes = [f"A_{d:g}" for d in self.Ds] if slope_per_D else ["A"]
        self.names = ["k", "alpha", "C"] + slopes + ["B"] + (["Delta", "A_fs"] if self.fewshot else []) + ["log_sigma"]
        self.n_slopes = len(slopes)

    def E(self, phi, D):
        return law(self.lawname, phi[:, :1], phi[:, 1:2], phi[:, 2:3], D)

    def e0(self, theta):
        """Predicted few-shot emergence point E(D0), one per parameter row."""
        return self.E(np.atleast_2d(theta), [self.d0])[:, 0]

    def features(self, phi):
        """max(0, E - L) per finetuned (D, loss) group and per few-shot loss group."""
        # hot path of every optimiser/sampler step: E at all D and at D0 in one go
        E = phi[:, :1] * self.t_all ** phi[:, 1:2] + phi[:, 2:3]
        x_ft = np.maximum(E[:, self.ft[0]] - self.ft[1], 0.0)
        x_fs = np.maximum(E[:, -1:] - self.fs[1], 0.0)
        return x_ft, x_fs

    def profile(self, phi):
        """Best linear parameters and RSS for each law parameter row phi = (k, alpha, C).

        Given the law the model is linear in (A, B, Delta, A_fs), so we solve those exactly
        (variable projection) and only search the 3 law parameters."""
        phi = np.atleast_2d(phi)
        x_ft, x_fs = self.features(phi)
        W = len(phi)
        _, _, n, sy, ybar, syy, inv = self.ft
        if self.slope_per_D:
            A, B, rss = np.zeros((W, self.n_slopes)), np.zeros(W), np.zeros(W)
            onehot = self.d_idx[:, None] == np.arange(self.n_slopes)
            one = np.ones(len(self.y_ft))
            for w in range(W):
                # B is free in sign: split it into two nonnegative columns
                X = np.column_stack([one, -one, x_ft[w, inv, None] * onehot])
                coef, r = nnls(X, self.y_ft)
                B[w], A[w], rss[w] = coef[0] - coef[1], coef[2:], r * r
        else:
            sxx, sxy = _moments(x_ft, n, sy, ybar)
            a, rss = _slope_rss(sxx, sxy, syy)
            A, B = a[:, None], ybar - a * (x_ft @ n) / n.sum()
        lin = [A, B[:, None]]
        if self.fewshot:
            _, _, n, sy, ybar, syy, _ = self.fs
            sxx, sxy = _moments(x_fs, n, sy, ybar)
            a_fs, rss_fs = _slope_rss(sxx, sxy, syy)
            b_fs = ybar - a_fs * (x_fs @ n) / n.sum()
            lin += [(b_fs - B)[:, None], a_fs[:, None]]
            rss = rss + rss_fs
        return np.hstack(lin), rss

    def theta(self, phi, lin, rss):
        sigma = np.sqrt(np.maximum(rss / self.n, 1e-18))
        return np.hstack([np.atleast_2d(phi), lin, np.log(sigma)[:, None]])

    def predict(self, theta):
        """Predictions for the finetuned and few-shot rows, in input order."""
        theta = np.atleast_2d(theta)
        x_ft, x_fs = self.features(theta)
        x_ft, x_fs = x_ft[:, self.ft[-1]], x_fs[:, self.fs[-1]]
        s = 3 + self.n_slopes
        A = theta[:, 3:s][:, self.d_idx] if self.slope_per_D else theta[:, 3:4]
        B = theta[:, s:s + 1]
        p_ft = B + A * x_ft
        p_fs = B + theta[:, s + 1:s + 2] + theta[:, s + 2:s + 3] * x_fs if self.fewshot else x_fs
        return p_ft, p_fs

    def loglik(self, theta):
        theta = np.atleast_2d(theta)
        p_ft, p_fs = self.predict(theta)
        rss = ((self.y_ft - p_ft) ** 2).sum(1)
        if self.fewshot:
            rss = rss + ((self.y_fs - p_fs) ** 2).sum(1)
        ls = theta[:, -1]
        return -0.5 * rss * np.exp(-2 * ls) - self.n * (ls + 0.5 * np.log(2 * np.pi))

    def log_marginal(self, phi, log_sigma, amax, amax_fs):
        """log-likelihood with the intercepts (flat on R) and slopes (flat on [0, amax])
        integrated out analytically; shared slope only."""
        x_ft, x_fs = self.features(phi)
        s2 = np.exp(2 * log_sigma)
        sxx, sxy = _moments(x_ft, *self.ft[2:5])
        if not self.fewshot:
            return _log_block(sxx, sxy, self.ft[5], self.n, s2, amax)
        sxx_fs, sxy_fs = _moments(x_fs, *self.fs[2:5])
        # both blocks in one call: numpy call overhead dominates at these sizes
        blocks = _log_block(np.stack([sxx, sxx_fs]), np.stack([sxy, sxy_fs]), self.syy2, self.n2, s2,
                            np.array([[amax], [amax_fs]]))
        return blocks[0] + blocks[1]

    def bounds(self, bounds=None):
        b = {**DEFAULT_BOUNDS, **(bounds or {})}
        lohi = np.array([b.get(n, b["A"]) if n.startswith("A_") and n != "A_fs" else b[n] for n in self.names], float)
        return lohi[:, 0], lohi[:, 1]


# ---------------------------------------------------------------------------------------------
# maximum likelihood

def degenerate(model: Model) -> str | None:
    """A reason why the law cannot be identified from these rows at all, or None."""
    n_params = len(model.names)
    if len(np.unique(model.loss)) < 2:
        return "fewer than 2 pre-emergence checkpoints"
    if len(model.Ds) < 3:
        return f"{len(model.Ds)} finetuning data amount(s); the 3-parameter law needs at least 3"
    if model.n < n_params + 2:
        return f"{model.n} rows for {n_params} parameters"
    if np.ptp(model.y_ft) == 0:
        return "every finetuned value is identical (all at the floor)"
    return None


def _phi_from_elbows(model, e_lo, e_hi, alpha):
    """(k, C) of the law through E(D_min) = e_lo and E(D_max) = e_hi."""
    t_lo, t_hi = law(model.lawname, 1.0, alpha, 0.0, model.Ds[0]), law(model.lawname, 1.0, alpha, 0.0, model.Ds[-1])
    k = (e_hi - e_lo) / (t_hi - t_lo)
    return np.stack(np.broadcast_arrays(k, alpha, e_lo - k * t_lo), -1)


def fit_mle(model: Model, bounds=None, n_starts=4, extra_starts=()):
    """Multi-start MLE. Returns dict(theta, loglik, rss, e0).

    Why this optimiser: the likelihood is piecewise smooth with kinks wherever an elbow
    crosses a checkpoint's loss, so gradients jump and a single local search stalls in the
    wrong gap between checkpoints. We profile out the linear parameters exactly, evaluate the
    3-parameter profile on a deterministic grid (elbows at the smallest and largest D x alpha),
    then run derivative-free Nelder-Mead from the best grid points and restart it once from
    the winner (a restart un-sticks a simplex collapsed at a kink). Deterministic: no random
    starts, so reruns are identical."""
    lo, hi = model.bounds(bounds)
    Lmin, Lmax = model.loss.min(), model.loss.max()
    span = Lmax - Lmin
    eg = np.linspace(Lmin - 0.5 * span, Lmax + 0.5 * span, 14)
    alphas = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]) if model.lawname == "log_power" else \
        np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
    starts = [np.asarray(s, float)[:3] for s in extra_starts]
    if n_starts:
        e_lo, e_hi, al = np.meshgrid(eg, eg, alphas, indexing="ij")
        keep = e_hi >= e_lo
        grid = _phi_from_elbows(model, e_lo[keep], e_hi[keep], al[keep])
        grid = grid[np.all((grid >= lo[:3]) & (grid <= hi[:3]), 1)]
        _, rss = model.profile(grid)
        starts = [grid[i] for i in np.argsort(rss, kind="stable")[:n_starts]] + starts
    t_lo, t_hi = model.t_all[0], model.t_all[-2]

    def obj(z):  # z = (E(D_min), E(D_max), alpha): well scaled in nats
        a_lo, a_hi = t_lo ** z[2], t_hi ** z[2]
        k = (z[1] - z[0]) / (a_hi - a_lo)
        phi = np.array([[k, z[2], z[0] - k * a_lo]])
        if np.any(phi < lo[:3]) or np.any(phi > hi[:3]):
            return np.inf
        return model.profile(phi)[1][0]

    def to_z(phi):
        e = model.E(phi[None], model.Ds[[0, -1]])[0]
        return np.array([e[0], e[1], phi[1]])

    def nm(z):
        return minimize(obj, z, method="Nelder-Mead",
                        options=dict(xatol=1e-5, fatol=1e-10, maxiter=3000, initial_simplex=_simplex(z, span)))

    best = min((nm(to_z(s)) for s in starts), key=lambda r: r.fun)
    best = min(best, nm(best.x), key=lambda r: r.fun)
    phi = _phi_from_elbows(model, *best.x)[None]
    lin, rss = model.profile(phi)
    theta = model.theta(phi, lin, rss)[0]
    return dict(theta=theta, loglik=float(model.loglik(theta)[0]), rss=float(rss[0]), e0=float(model.e0(theta)[0]))


def _simplex(z, span):
    step = np.array([0.1 * span + 0.02, 0.1 * span + 0.02, 0.1 * max(z[2], 0.1)])
    return np.vstack([z] + [z + np.eye(3)[i] * step[i] for i in range(3)])


def check_fit(model: Model, theta) -> tuple[str | None, int]:
    """(reason the fitted law is unidentified or None, number of informative D values).

    A D value pins its elbow only if some of its rows sit above the floor (E(D) > the
    smallest loss fitted); otherwise those rows just bound E(D) from above."""
    A = theta[3:3 + model.n_slopes]
    if np.all(A <= 0):
        return "no finetuned run rises above the floor (fitted slope A = 0)", 0
    e = model.E(np.atleast_2d(theta), model.Ds)[0]
    x_ok = e > model.L_ft.min()
    if model.slope_per_D:
        x_ok &= A > 0
    n_inf = int(x_ok.sum())
    # the law has three parameters (k, alpha, C): fewer informative D values leave it free to
    # extrapolate anywhere
    if n_inf < 3:
        return f"only {n_inf} finetuning data amount(s) show the capability; the 3-parameter law is not pinned", n_inf
    lo, hi = model.bounds()
    # C or k pinned to a prior bound means the extrapolation ran off, or that E(D) does not
    # move with D at all (alpha -> 0 is allowed: the power law then approaches the log form)
    # C within 0.1 % of its prior range of a bound is at it (the optimiser stops just inside,
    # e.g. -9.993 for a bound at -10); k only at 0 itself, since a tiny k with a large alpha
    # is a legitimate steep law
    def near(n, t, x, width):
        return abs(t - x) <= (1e-3 * width if n == "C" else 1e-6 * max(1.0, abs(x)))

    at = [n for n, t, a, b in zip(model.names, theta, lo, hi)
          if n in ("C", "k") and (near(n, t, a, b - a) or near(n, t, b, b - a))]  # k = 0: E(D) flat
    if at:
        return f"law parameter(s) {', '.join(at)} at the prior bound; the data do not pin the law", n_inf
    e0 = float(model.e0(theta)[0])
    if e0 < 0:  # a cross-entropy cannot fall below 0: the extrapolation ran off
        return f"predicted emergence point {e0:.3g} nats is below 0; the data do not pin the law", n_inf
    return None, n_inf


# ---------------------------------------------------------------------------------------------
# ground truth and pre-emergence selection

def fit_relu(loss, y):
    """Fit y = B + A*max(0, E - L) (one elbow). Returns dict(E, A, B, rss, reason).

    reason is None only if the elbow is bracketed: >= 2 checkpoints past it (one point past
    the elbow trades off A against E) and >= 1 at the floor."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    Lmin, Lmax = loss.min(), loss.max()
    span = max(Lmax - Lmin, 1e-6)

    ones, ybar = np.ones(len(y)), y.mean()
    syy = float((y - ybar) @ (y - ybar))

    def prof(E):
        x = np.maximum(np.atleast_1d(E)[:, None] - loss, 0.0)
        a, rss = _slope_rss(*_moments(x, ones, y, ybar), syy)
        return a, ybar - a * x.mean(1), rss

    grid = np.linspace(Lmin - 0.5 * span, Lmax + 0.5 * span, 2001)
    rss = prof(grid)[2]
    i = int(np.argmin(rss))
    # the profile is smooth between grid nodes except at checkpoint losses; polish locally
    r = minimize_scalar(lambda E: prof(E)[2][0], bounds=(grid[max(i - 1, 0)], grid[min(i + 1, 2000)]),
                        method="bounded", options=dict(xatol=1e-9))
    E = float(r.x) if r.fun <= rss[i] else float(grid[i])
    a, b, rr = prof(E)
    out = dict(E=E, A=float(a[0]), B=float(b[0]), rss=float(rr[0]), reason=None)
    n_floor = int((loss > E).sum())
    if out["A"] <= 0:
        out["reason"] = "few-shot metric never rises above the floor"
    elif len(np.unique(loss[loss < E])) < 2:
        out["reason"] = f"only {len(np.unique(loss[loss < E]))} checkpoint(s) past the elbow; elbow not pinned"
    elif n_floor < 1:
        out["reason"] = "no checkpoint at the floor; elbow not bracketed"
    return out


def pre_emergence(loss, y, chance=None, z=3.0, min_margin=0.02):
    """Which checkpoints are pre-emergence. Takes one few-shot value per checkpoint.

    Rule: floor = `chance` if given, else the median few-shot value of the weakest third of
    checkpoints (at least 2; highest loss). Noise = 1.4826*MAD of those weakest values about
    the floor. A checkpoint has emerged if its value exceeds floor + max(z*noise, min_margin).
    Walking from the weakest checkpoint towards lower loss, the pre-emergence set is every
    checkpoint up to (excluding) the first emerged one. Each decision sees only that
    checkpoint and weaker ones, so post-emergence data never shape the choice.

    Returns (mask in the input order, floor, threshold)."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    order = np.argsort(-loss, kind="stable")
    weak = y[order[:max(2, int(np.ceil(len(y) / 3)))]]
    floor = float(np.median(weak)) if chance is None else float(chance)
    noise = 1.4826 * float(np.median(np.abs(weak - floor)))
    thr = floor + max(z * noise, min_margin)
    above = y[order] > thr
    n_pre = int(np.argmax(above)) if above.any() else len(y)
    mask = np.zeros(len(y), bool)
    mask[order[:n_pre]] = True
    return mask, floor, thr


# ---------------------------------------------------------------------------------------------
# uncertainty

def run_mcmc(model: Model, theta_mle, bounds=None, nwalkers=48, nsteps=1000, seed=0, min_tau_ratio=50.0):
    """emcee posterior of E(D0) under flat bounded priors on `model.names` (flat in log sigma).

    Sampler coordinates are (E(D0), E(D_ref), alpha, ...) rather than (k, alpha, C): k and C
    are strongly and nonlinearly correlated, the elbows are not (the Jacobian keeps the prior
    flat in k, C). With a shared slope the intercepts and slopes are integrated out exactly
    (Model.log_marginal), leaving 4 dimensions; per-D slopes sample every parameter. Walkers
    start in a small ball at the MLE; differential-evolution moves gave ~15% shorter
    autocorrelation times than the stretch move here, at lower cost per step. Burn-in = 2 tau_max, thin = tau_min / 2 from the integrated
    autocorrelation time; converged iff nsteps > min_tau_ratio * tau_max.

    Returns dict(converged, reason, tau, ess, acceptance, e0 samples or None)."""
    import emcee

    lo, hi = model.bounds(bounds)
    marginal = not model.slope_per_D
    keep = np.r_[0:3, len(lo) - 1] if marginal else np.arange(len(lo))
    lo, hi = lo[keep], hi[keep]
    b = {**DEFAULT_BOUNDS, **(bounds or {})}
    tt = model.t_all
    d_ref = 0 if tt[-2] == tt[-1] else len(tt) - 2  # index into t_all of the second elbow
    t0, tr = tt[-1], tt[d_ref]

    def to_theta(z):
        dt = tr ** z[:, 2] - t0 ** z[:, 2]
        k = (z[:, 1] - z[:, 0]) / dt
        th = np.column_stack([k, z[:, 2], z[:, 0] - k * t0 ** z[:, 2], z[:, 3:]])
        return th, -np.log(np.abs(dt))

    def logp(z):
        th, logjac = to_theta(z)
        out = np.full(len(z), -np.inf)
        ok = np.all((th > lo) & (th < hi), 1)
        if ok.any():
            t = th[ok]
            ll = model.log_marginal(t[:, :3], t[:, 3], b["A"][1], b["A_fs"][1]) if marginal else model.loglik(t)
            out[ok] = ll + logjac[ok]
        return out

    th0 = np.asarray(theta_mle, float)[keep]
    k, al, C = th0[:3]
    z0 = np.r_[k * t0 ** al + C, k * tr ** al + C, al, th0[3:]]
    rng = np.random.default_rng(seed)
    scale = 1e-3 * np.maximum(np.abs(z0), 0.1)
    p0 = z0 + scale * rng.standard_normal((nwalkers, len(z0)))
    for _ in range(100):  # the MLE may sit on a bound (alpha = 4): redraw walkers outside the prior
        bad = ~np.isfinite(logp(p0))
        if not bad.any():
            break
        p0[bad] = z0 + scale * rng.standard_normal((bad.sum(), len(z0)))
    out = dict(tau=None, ess=None, acceptance=None, e0=None, converged=False, reason=None)
    if bad.any():
        out["reason"] = "could not start walkers inside the prior bounds (MLE outside them?)"
        return out
    s = emcee.EnsembleSampler(nwalkers, len(z0), logp, vectorize=True, moves=emcee.moves.DEMove())
    s.random_state = np.random.RandomState(seed).get_state()
    s.run_mcmc(p0, nsteps, progress=False)
    tau = s.get_autocorr_time(tol=0)
    out.update(tau=float(np.max(tau)), acceptance=float(np.mean(s.acceptance_fraction)))
    if not np.all(np.isfinite(tau)):
        out["reason"] = "autocorrelation time not finite"
        return out
    burn, thin = int(2 * tau.max()), max(1, int(0.5 * tau.min()))
    out["ess"] = float(nwalkers * max(nsteps - burn, 0) / tau.max())
    if nsteps <= min_tau_ratio * tau.max():
        out["reason"] = f"not converged: {nsteps} steps <= {min_tau_ratio:g} x tau ({tau.max():.0f})"
        return out
    out.update(converged=True, e0=s.get_chain(discard=burn, thin=thin, flat=True)[:, 0])
    return out


def bootstrap(loss, y, D, d0, variant="log_power", slope_per_D=False, n=100, seed=0, bounds=None, theta0=None):
    """Resample observation rows with replacement and refit the MLE. Returns (e0 array, n_failed).

    Refits start from the full-data MLE (theta0) only: enough because the resampled
    likelihood is a small perturbation of the original."""
    loss, y, D = (np.asarray(a, float) for a in (loss, y, D))
    rng = np.random.default_rng(seed)
    e0s, n_bad = [], 0
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        m = Model(loss[i], y[i], D[i], d0, variant, slope_per_D)
        if degenerate(m):
            n_bad += 1
            continue
        r = fit_mle(m, bounds, n_starts=0, extra_starts=[theta0]) if theta0 is not None else fit_mle(m, bounds)
        if check_fit(m, r["theta"])[0]:
            n_bad += 1
            continue
        e0s.append(r["e0"])
    return np.array(e0s), n_bad


def percentiles(x):
    return {f"p{p}": float(v) for p, v in zip(PCTS, np.percentile(x, PCTS))}
