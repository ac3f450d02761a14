"""Paper-style figures from the observations table and fit JSONs alone (no model is loaded)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8,
         "figure.dpi": 150, "savefig.bbox": "tight"}


def d_palette(data_amounts) -> dict:
    """One colour per D, the same in every figure (ordered by D)."""
    ds = sorted(int(d) for d in set(data_amounts) if d > 0)
    return dict(zip(ds, sns.color_palette("viridis", len(ds))))


def fig3(obs: pd.DataFrame, fit: dict, task: str, chance: float | None = None, title: str = ""):
    """Few-shot and finetuned metric against pretraining loss (the paper's Fig. 3)."""
    plt.rcParams.update(STYLE)
    metric = fit.get("metric") or obs.loc[obs["task"] == task, "metric"].iloc[0]
    df = obs[(obs["task"] == task) & (obs["metric"] == metric)]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    fs = df[df["method"] == "fewshot"]
    for marker, (size, g) in zip("osD^v", fs.groupby("size")):
        g = g.sort_values("pretrain_loss")
        ax.plot(g["pretrain_loss"], g["value"], marker=marker, color="black", lw=1, ms=4,
                label=f"few-shot ({size})")
    method = fit.get("method")
    ft = df[df["method"] == method] if method else df[df["method"] != "fewshot"]
    pal = d_palette(ft["data_amount"])
    for d, g in ft.groupby("data_amount"):
        m = g.groupby("pretrain_loss")["value"].agg(["mean", "min", "max"]).reset_index()
        ax.plot(m["pretrain_loss"], m["mean"], marker="o", ms=3, lw=1.2, color=pal[int(d)],
                label=f"{method} D={int(d)}")
        ax.fill_between(m["pretrain_loss"], m["min"], m["max"], color=pal[int(d)], alpha=0.15, lw=0)
    if chance is not None:
        ax.axhline(chance, color="grey", lw=0.8, ls=":", label="chance")
    if fit.get("emergence_point_mle") is not None:
        ax.axvline(fit["emergence_point_mle"], color="tab:red", ls="--", lw=1, label="predicted emergence")
    if fit.get("ground_truth") is not None:
        ax.axvline(fit["ground_truth"], color="black", ls="-.", lw=1, label="true emergence")
    ax.invert_xaxis()  # more capable models to the right, as in the paper
    ax.set_xlabel("pretraining loss (nats/token)")
    ax.set_ylabel(f"{task} {metric} ({int(df['num_fewshot'].max())}-shot format)")
    ax.set_title(title or f"{task}: few-shot vs finetuned")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def save(fig, png: str, pdf: str | None = None) -> None:
    fig.savefig(png)
    if pdf:
        fig.savefig(pdf)
    plt.close(fig)


