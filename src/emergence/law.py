"""Emergence law of Snell et al. 2024 (SPEC section 1): the model, its MLE and the ground truth.

    finetuned rows   Perf = B + A * max(0, E(D) - L)
    few-shot rows    Perf = B + Delta + A_fs * max(0, E(D0) - L)

with the emergence law E(D) = k*(log D)^alpha + C ('log_power', default) or k*D^alpha + C
('power'); 'no_fewshot' is the log power law fitted to finetuned rows only (no Delta,
A_fs). Noise is Gaussian with a fitted sigma, so the MLE is least squares.

Everything works on plain arrays: one row per observation, D = 0 marks a few-shot row.
A parameter vector `theta` follows `Model.names`; functions take batches (W, ndim).
Priors live in emergence.priors; MCMC, bootstrap and profile likelihood in emergence.uncertainty.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize, minimize_scalar, nnls
from scipy.special import log_ndtr
from scipy.stats import f as fdist

from emergence.values import RISE_SDS  # noqa: F401  (re-exported: law.RISE_SDS)

VARIANTS = ("log_power", "power", "no_fewshot")


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

    def features(self, phi=None, E=None):
        """max(0, E - L) per finetuned (D, loss) group and per few-shot loss group, from the
        law's parameters or from E at t_all (fitted D values, then D0) directly."""
        # hot path of every optimiser/sampler step: E at all D and at D0 in one go
        if E is None:
            E = phi[:, :1] * self.t_all ** phi[:, 1:2] + phi[:, 2:3]
        x_ft = np.maximum(E[:, self.ft[0]] - self.ft[1], 0.0)
        x_fs = np.maximum(E[:, -1:] - self.fs[1], 0.0)
        return x_ft, x_fs

    def profile(self, phi, E=None):
        """Best linear parameters and RSS for each law parameter row phi = (k, alpha, C), or
        for each row of elbows E at t_all (fitted D values, then D0) when given.

        Given the law the model is linear in (A, B, Delta, A_fs), so we solve those exactly
        (variable projection) and only search the 3 law parameters."""
        x_ft, x_fs = self.features(None if phi is None else np.atleast_2d(phi), E)
        W = len(x_ft)
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

    def log_marginal(self, phi, log_sigma, amax, amax_fs, E=None):
        """log-likelihood with the intercepts (flat on R) and slopes (flat on [0, amax])
        integrated out analytically; shared slope only. E: E at t_all, if already known."""
        x_ft, x_fs = self.features(phi, E)
        s2 = np.exp(2 * log_sigma)
        sxx, sxy = _moments(x_ft, *self.ft[2:5])
        if not self.fewshot:
            return _log_block(sxx, sxy, self.ft[5], self.n, s2, amax)
        sxx_fs, sxy_fs = _moments(x_fs, *self.fs[2:5])
        # both blocks in one call: numpy call overhead dominates at these sizes
        blocks = _log_block(np.stack([sxx, sxx_fs]), np.stack([sxy, sxy_fs]), self.syy2, self.n2, s2,
                            np.array([[amax], [amax_fs]]))
        return blocks[0] + blocks[1]


# ---------------------------------------------------------------------------------------------
# maximum likelihood

def degenerate(model: Model) -> str | None:
    """A reason why the law cannot be identified from these rows at all, or None."""
    n_params = len(model.names)
    if len(np.unique(model.loss)) < 2:
        if model.n > 1:  # several checkpoints, one loss: the law has no loss range to work on
            return f"every fitted row has the same pretraining loss ({model.loss[0]:.4g}); the law needs a range of losses"
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


def in_prior(model: Model, phi, priors) -> np.ndarray:
    """Which law parameter rows (k, alpha, C) the priors allow: k >= 0, alpha in its range,
    every emergence point (each fitted D and D0) and C in [e_lo, e_hi]."""
    phi = np.atleast_2d(phi)
    E = phi[:, :1] * model.t_all ** phi[:, 1:2] + phi[:, 2:3]
    E = np.column_stack([E, phi[:, 2]])
    a = phi[:, 1]
    return ((phi[:, 0] >= 0) & (a >= priors.alpha[0]) & (a <= priors.alpha[1])
            & np.all((E >= priors.e_lo) & (E <= priors.e_hi), 1))


def fit_mle(model: Model, priors, n_starts=4, extra_starts=()):
    """Multi-start MLE within the priors' support. Returns dict(theta, loglik, rss, e0).

    Why this optimiser: the likelihood is piecewise smooth with kinks wherever an elbow
    crosses a checkpoint's loss, so gradients jump and a single local search stalls in the
    wrong gap between checkpoints. We profile out the linear parameters exactly, evaluate the
    3-parameter profile on a deterministic grid (elbows at the smallest and largest D x alpha),
    then run derivative-free Nelder-Mead from the best grid points and restart it once from
    the winner (a restart un-sticks a simplex collapsed at a kink). Deterministic: no random
    starts, so reruns are identical."""
    Lmin, Lmax = model.loss.min(), model.loss.max()
    span = Lmax - Lmin
    eg = np.linspace(max(Lmin - 0.5 * span, priors.e_lo), min(Lmax + 0.5 * span, priors.e_hi), 14)
    if len(model.L_ft):  # also a grid over the finetuned stretch: few-shot rows from early checkpoints
        # can span 3-8 nats, and 14 points over that step past an optimum among elbows 0.2 nats apart
        f_lo, f_hi = model.L_ft.min(), model.L_ft.max()
        f_span = max(f_hi - f_lo, 1e-3)
        eg = np.unique(np.r_[eg, np.linspace(max(f_lo - 0.25 * f_span, priors.e_lo),
                                            min(f_hi + 0.25 * f_span, priors.e_hi), 10)])
    alphas = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]) if model.lawname == "log_power" else \
        np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
    alphas = alphas[(alphas >= priors.alpha[0]) & (alphas <= priors.alpha[1])]
    if not len(alphas):
        alphas = np.array([np.mean(priors.alpha)])
    starts = [np.asarray(s, float)[:3] for s in extra_starts]
    if n_starts:
        e_lo, e_hi, al = np.meshgrid(eg, eg, alphas, indexing="ij")
        keep = e_hi >= e_lo
        grid = _phi_from_elbows(model, e_lo[keep], e_hi[keep], al[keep])
        grid = grid[in_prior(model, grid, priors)]
        if len(grid):
            _, rss = model.profile(grid)
            starts = [grid[i] for i in np.argsort(rss, kind="stable")[:n_starts]] + starts
    starts = [s for s in starts if in_prior(model, s, priors)[0]]
    if not starts:
        return None
    t_lo, t_hi = model.t_all[0], model.t_all[-2]

    def obj(z):  # z = (E(D_min), E(D_max), alpha): well scaled in nats
        a_lo, a_hi = t_lo ** z[2], t_hi ** z[2]
        k = (z[1] - z[0]) / (a_hi - a_lo)
        phi = np.array([[k, z[2], z[0] - k * a_lo]])
        if not in_prior(model, phi, priors)[0]:
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


def _still_rising(L, y, sigma, z=2.0) -> bool:
    """Do rows that all lie past their elbow still rise? Their least-squares slope towards
    lower loss is z standard errors above zero at the fit's noise sigma (one-sided, ~2 %),
    so that many noisy rows can show a rise and a few flat ones, or one loss, cannot. Not
    "consistent with the law's slope": a law fitted to saturated rows bends to agree."""
    sxx = float(((L - L.mean()) ** 2).sum())
    if sxx <= 0:
        return False
    b = -float(((L - L.mean()) * (y - y.mean())).sum()) / sxx
    return b * np.sqrt(sxx) / sigma >= z


def check_fit(model: Model, theta, priors) -> tuple[str | None, int]:
    """(reason the fitted law is unidentified or None, number of informative D values).

    A D value pins its elbow only if some of its rows sit above the floor (E(D) > its
    smallest loss fitted; otherwise those rows just bound E(D) from above), and, where every
    row sits past the elbow (E(D) >= its largest loss), only if they still rise
    (`_still_rising`): the elbow is then the ReLU's extrapolation back along that rise, and
    rows already at the ceiling (a saturated curve) have none."""
    A = theta[3:3 + model.n_slopes]
    if np.all(A <= 0):
        return "no finetuned run rises above the floor (fitted slope A = 0)", 0
    e = model.E(np.atleast_2d(theta), model.Ds)[0]
    sigma = float(np.exp(theta[-1]))
    x_ok = np.zeros(len(model.Ds), dtype=bool)
    for i, d in enumerate(model.Ds):
        L, y = model.L_ft[model.D_ft == d], model.y_ft[model.D_ft == d]
        x_ok[i] = e[i] > L.min() and (e[i] < L.max() or _still_rising(L, y, sigma))
    if model.slope_per_D:
        x_ok &= A > 0
    n_inf = int(x_ok.sum())
    # the optimiser stops a hair inside a bound: within 0.1 % of the range is at it
    e0, tol = float(model.e0(theta)[0]), 1e-3 * (priors.e_hi - priors.e_lo)
    if e0 <= priors.e_lo + tol or e0 >= priors.e_hi - tol:
        return (f"the MLE of E(D0) ({e0:.3g} nats) sits at the end of its prior range [{priors.e_lo:.3g}, "
                f"{priors.e_hi:.3g}]; the data do not pin the law"), n_inf
    # the law has three parameters (k, alpha, C): fewer informative D values leave it free to
    # extrapolate anywhere
    if n_inf < 3:
        return (f"only {n_inf} finetuning data amount(s) show their elbow among the fitted checkpoints (rows at "
                f"the floor, or still rising, above it); the 3-parameter law is not pinned"), n_inf
    if theta[0] <= 1e-9:
        return "the fitted law does not move with D (k = 0); the data do not pin the law", n_inf
    return None, n_inf


def lack_of_fit(model: Model, theta, sweeps=4, n_grid=301) -> dict | None:
    """Does the law describe how the elbow moves with D? An F test of the fitted law against
    the same model with a free elbow for every finetuned D (slopes, floor and the few-shot
    block as they are). The law's intervals assume its shape: where each D's own elbow fits
    much better (a step in D that the law bends through), they can be narrow and wrong.

    The free elbows are searched coordinate-wise on a grid from the law's own, so the free
    RSS is never above the law's and a coarse grid only makes the test conservative, as do
    the elbows of D values at the floor (counted as free, though they change nothing; their
    reported elbow is any point below their rows). None where there is nothing to test
    (fewer than 4 D values, per-D slopes, a perfect fit).
    Returns dict(F, df1, df2, p, elbows: {D: free elbow, polished}, elbow_se: {D: its standard error or None})."""
    if model.slope_per_D or len(model.Ds) <= 3:
        return None
    m = len(model.Ds)
    E = model.E(np.atleast_2d(theta), np.append(model.Ds, model.d0))[0]
    rss_law = best = float(model.profile(None, E[None])[1][0])
    span = max(float(np.ptp(model.L_ft)), 1e-3)
    grid = np.linspace(model.L_ft.min() - span, model.L_ft.max() + span, n_grid)
    for _ in range(sweeps):
        moved = False
        for j in range(m):  # E[m] is E(D0): the few-shot block stays as the law fits it
            cand = np.repeat(E[None], n_grid, 0)
            cand[:, j] = grid
            rss = model.profile(None, cand)[1]
            i = int(np.argmin(rss))
            if rss[i] < best * (1 - 1e-9) - 1e-15:
                best, E, moved = float(rss[i]), cand[i], True
        if not moved:
            break
    df1, df2 = m - 3, model.n - (m + model.n_slopes + 1 + (2 if model.fewshot else 0))
    if df2 < 1 or best <= 0:
        return None
    F = max(rss_law - best, 0.0) / df1 / (best / df2)
    polished = [_polish_elbow(model, E, j, df2, span) for j in range(m)]
    return dict(F=float(F), df1=int(df1), df2=int(df2), p=float(fdist.sf(F, df1, df2)),
                elbows={f"{d:g}": e for d, (e, _) in zip(model.Ds, polished)},
                elbow_se={f"{d:g}": se for d, (_, se) in zip(model.Ds, polished)})


def _polish_elbow(model: Model, E, j, df2, span, n_grid=401) -> tuple[float, float | None]:
    """Free elbow j on a fine grid about the search's (the others held), and its standard
    error: half the width where the RSS stays under its minimum times 1 + 1/df2 (one sd on the
    profiled likelihood). The error is None where that region does not close inside +-0.3 span
    (an elbow of rows at the floor: anywhere below them)."""
    e = float(E[j])
    for w in (0.02, 0.08, 0.3):
        grid = np.linspace(e - w * span, e + w * span, n_grid)  # odd n_grid: e itself is on it
        cand = np.repeat(np.asarray(E, float)[None], n_grid, 0)
        cand[:, j] = grid
        rss = model.profile(None, cand)[1]
        inside = rss <= rss.min() * (1 + 1 / df2)
        if inside.any() and not inside[0] and not inside[-1]:
            return float(grid[np.argmin(rss)]), float(np.ptp(grid[inside]) / 2)
    return e, None


def jacobian(lawname, k, alpha, D) -> np.ndarray:
    """dE/d(k, alpha, C) at each D, shape (len(D), 3)."""
    t = np.asarray(D, float) if lawname == "power" else np.log(np.asarray(D, float))
    ta = np.where(t > 0, np.abs(t) ** alpha, 0.0)
    return np.column_stack([ta, np.where(t > 0, k * ta * np.log(np.where(t > 0, t, 1.0)), 0.0), np.ones_like(t)])


# ---------------------------------------------------------------------------------------------
# ground truth and pre-emergence selection

PLATEAU_P = 0.01  # a plateau enters the ground truth only where it fits this much better


def fit_relu(loss, y, plateau=False):
    """Fit y = B + A*max(0, E - L) (one elbow). Returns dict(E, A, B, rss, reason, top).

    plateau: also fit the rise clipped at a second knot, y = B + A*min(max(0, E - L), E - top)
    (a metric that reaches its ceiling, as exact match does at 1.0, and stays there), and keep
    it where an F test prefers it (p < PLATEAU_P over the knots tried). A plain ReLU bent through a long plateau
    takes a shallow slope and puts the elbow among checkpoints still at the floor; the
    clipped one keeps the elbow where the rise starts. top: the second knot (None: no plateau).

    reason is None only if the elbow is bracketed: >= 2 checkpoints past it (one point past
    the elbow trades off A against E) and >= 1 at the floor."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    Lmin, Lmax = loss.min(), loss.max()
    span = max(Lmax - Lmin, 1e-6)

    ones, ybar = np.ones(len(y)), y.mean()
    syy = float((y - ybar) @ (y - ybar))

    def prof(E, top=-np.inf):
        x = np.clip(np.atleast_1d(E)[:, None] - loss, 0.0, np.maximum(np.atleast_1d(E) - top, 0.0)[:, None])
        a, rss = _slope_rss(*_moments(x, ones, y, ybar), syy)
        return a, ybar - a * x.mean(1), rss

    def best_elbow(top=-np.inf, n_grid=2001, polish=True):
        grid = np.linspace(Lmin - 0.5 * span, Lmax + 0.5 * span, n_grid)
        grid = grid[grid > top]
        rss = prof(grid, top)[2]
        i = int(np.argmin(rss))
        if not polish:
            return float(rss[i])
        # the profile is smooth between grid nodes except at checkpoint losses; polish locally
        r = minimize_scalar(lambda E: prof(E, top)[2][0], bounds=(grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]),
                            method="bounded", options=dict(xatol=1e-9))
        return float(r.x) if r.fun <= rss[i] else float(grid[i])

    E, top = best_elbow(), None
    a, b, rr = prof(E)
    if plateau and len(y) > 5:
        u = np.unique(loss)
        tops = 0.5 * (u[1:] + u[:-1])  # a plateau from between two checkpoints on
        # which knot: a coarse scan (a fine one per knot costs ~40 s a truth interval on 150
        # checkpoints); then the winner's elbow at full resolution
        t2 = tops[int(np.argmin([best_elbow(t, 201, polish=False) for t in tops]))]
        E2 = best_elbow(t2)
        r2 = float(prof(E2, t2)[2][0])
        F = (float(rr[0]) - r2) / max(r2 / (len(y) - 4), 1e-300)
        # the best of len(tops) knots: Bonferroni, so a straight rise rarely gains a plateau by chance
        if r2 < rr[0] and fdist.sf(F, 1, len(y) - 4) < PLATEAU_P / len(tops):
            E, top = E2, float(t2)
            a, b, rr = prof(E, top)
    out = dict(E=E, A=float(a[0]), B=float(b[0]), rss=float(rr[0]), reason=None, top=top)
    n_floor = int((loss > E).sum())
    if out["A"] <= 0 or np.ptp(y) <= 1e-12:  # a constant metric fits any elbow with A ~ 1e-16
        out["reason"] = "few-shot metric never rises above the floor"
    elif len(np.unique(loss[loss < E])) < 2:
        out["reason"] = f"only {len(np.unique(loss[loss < E]))} checkpoint(s) past the elbow; elbow not pinned"
    elif n_floor < 1:
        out["reason"] = "no checkpoint at the floor; elbow not bracketed"
    return out


def own_rise(loss, y) -> float | None:
    """How clearly one curve rises by itself: its own ReLU's lift at the most capable row,
    in residual sds. A free elbow finds some "rise" in pure noise (on 12-24 flat rows the
    99th percentile is 2.8-3.7 sds), hence RISE_SDS = 4. None with fewer than 5 rows or 4
    distinct losses."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    if len(y) < 5 or len(np.unique(loss)) < 4:
        return None
    r = fit_relu(loss, y)
    sd = math.sqrt(max(r["rss"], 0.0) / (len(y) - 3))
    lift = max(r["A"], 0.0) * max(r["E"] - loss.min(), 0.0)
    return float("inf") if sd == 0 and lift > 0 else (0.0 if lift == 0 else float(lift / sd))


def relu_cuts(loss, y, keep=3, plateau=False) -> dict | None:
    """The truth as a shorter series would have it: fit_relu on the checkpoints down to each
    loss past the full elbow (from the `keep`-th past it on; every size pooled, as the truth
    pools them), the more capable ones dropped. One-sided: it sees shorter series, never longer.
    On a ragged or two-stage rise one ReLU's elbow follows the checkpoints long after the rise
    (the band toy: up to 0.12 nats), which the residual bootstrap, assuming the ReLU is right,
    does not see. On a clean ReLU with noise the stops move it about as much as that bootstrap's
    half-width (keep = 3: median 0.010 against 0.011; keep = 2 lets stops two checkpoints past a
    noisy elbow in, p90 0.052 against 0.025: bench/bench_truth_window.py --simulate).
    Returns dict(lo, hi, n, n_tried, max_move, at): the range of the elbows of the stops that pin
    one and of the full series, the stops tried and pinned (n, the full series included), how far
    the farthest lies from the full elbow and the lowest loss kept by the stop that gives it. None
    when the full series pins no elbow or no earlier stop pins one (nothing was measured)."""
    if int(keep) != keep or keep < 1:
        raise ValueError(f"keep: expected a whole number >= 1, got {keep!r}")
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    full = fit_relu(loss, y, plateau)
    if full["reason"] is not None:
        return None
    past = np.unique(loss[loss < full["E"]])[::-1]  # most capable last
    stops = past[int(keep) - 1: -1]  # the last stop is the full series
    Es, at = [full["E"]], [float(loss.min())]
    for cut in stops:
        r = fit_relu(loss[loss >= cut], y[loss >= cut], plateau)
        if r["reason"] is None:
            Es.append(r["E"])
            at.append(float(cut))
    if len(Es) == 1:
        return None
    i = int(np.argmax(np.abs(np.asarray(Es) - full["E"])))
    return dict(lo=float(min(Es)), hi=float(max(Es)), n=len(Es), n_tried=len(stops) + 1,
                max_move=float(abs(Es[i] - full["E"])), at=at[i])


def relu_interval(loss, y, n=200, level=0.90, seed=0, plateau=False) -> dict | None:
    """A residual-bootstrap interval of fit_relu's elbow: the truth's own uncertainty, so
    that an error below it is read as a tie. The checkpoints are the design (fixed x): the
    fitted curve plus resampled residuals, refitted n times (with the plateau where the fit
    found one). None when the elbow is not pinned or fewer than half the refits pin it.
    Returns dict(lo, hi, n_ok)."""
    loss, y = np.asarray(loss, float), np.asarray(y, float)
    r = fit_relu(loss, y, plateau)
    if r["reason"] is not None:
        return None
    top = -np.inf if r["top"] is None else r["top"]
    mean = r["B"] + r["A"] * np.clip(r["E"] - loss, 0.0, max(r["E"] - top, 0.0))
    res = y - mean
    rng = np.random.default_rng(seed)
    Es = [f["E"] for f in (fit_relu(loss, mean + rng.choice(res, len(res)), r["top"] is not None) for _ in range(n))
          if f["reason"] is None]
    if len(Es) < n / 2:
        return None
    q = (1 - level) / 2
    lo, hi = np.quantile(Es, [q, 1 - q])
    return dict(lo=float(lo), hi=float(hi), n_ok=len(Es))
