"""The report's "How far to trust these numbers" section: agreement and corrected estimates, when present."""

from __future__ import annotations

import pandas as pd

from wildvalues.report.data import ReportData
from wildvalues.report.tables import Section, Table, fmt_num, fmt_pct, is_missing, text

SECTION_KEY = "trust"
TABLES = ("an_corrected", "an_validation")


def _pct_ci(value, low, high) -> str:
    return fmt_pct(value, low, high)


def trust_section(data: ReportData) -> Section:
    section = Section(
        SECTION_KEY,
        "How far to trust these numbers",
        "Agreement of the extractor with people (or a stronger judge) on a random sample, and the headline "
        "shares corrected by prediction-powered inference (Angelopoulos et al., Science 2023).",
    )
    corrected = data.table("an_corrected")
    if not corrected.empty:
        has_ppi = corrected["ppi_pct"].notna()
        n_lab = int(corrected["n_labelled"].iloc[0])
        truth = str(corrected["truth_from"].iloc[0])
        section.intro += f" {n_lab} randomly sampled conversations were labelled by {truth}. " + (
            "Cite the prediction-powered estimate and its interval: it stays valid however biased the "
            "extractor is, while the naive interval only counts sampling noise and assumes every label is "
            "right."
            if has_ppi.any()
            else "Too few labelled conversations to correct the estimates; the naive ones are shown."
        )
        rows = []
        for r in corrected.itertuples():
            rows.append(
                [
                    text(r.estimate),
                    text(r.scope),
                    text(r.label),
                    _pct_ci(r.naive_pct, r.naive_ci_low, r.naive_ci_high),
                    _pct_ci(r.ppi_pct, r.ppi_ci_low, r.ppi_ci_high),
                    "—" if is_missing(r.ppi_ci_low) else f"{r.ppi_ci_high - r.ppi_ci_low:.1f} pts",
                    fmt_num(r.n_denominator),
                    "prediction-powered" if r.cite == "prediction-powered" else "naive",
                ]
            )
        section.add_table(
            Table(
                "Headline shares: naive (extractor's labels as they are) vs prediction-powered (corrected), "
                "95% CI",
                [
                    "estimate",
                    "among",
                    "label",
                    "naive",
                    "corrected",
                    "corrected width",
                    "conversations",
                    "cite",
                ],
                rows,
                "Naive: the extractor's share with a Wilson interval. Corrected: mean of the extractor's "
                "labels "
                "on all conversations plus the mean error on the labelled sample (PPI++, power-tuned); see "
                "docs/TRUST.md.",
            )
        )
    elif data.tables.get("an_corrected") is not None:
        section.empty.append(data.why_empty("an_corrected", "corrected estimates"))
    else:
        section.empty.append(
            "No validated sample yet: `wildvalues validate sample`, annotate, `validate import`, then "
            "`wildvalues analyze` adds corrected estimates here."
        )
    agreement = data.table("an_validation")
    if not agreement.empty:
        shown = agreement[agreement["metric"].isin(["accuracy", "cohen_kappa", "alpha"])]
        section.add_table(_agreement_table(shown))
    return section


def _agreement_table(frame: pd.DataFrame) -> Table:
    rows = []
    for (feature, who), part in frame.groupby(["feature", "comparison"], sort=False):
        by = {m: r for m, r in zip(part["metric"], part.itertuples(), strict=True)}
        acc = by.get("accuracy")
        rows.append(
            [
                text(feature),
                str(who),
                "—" if acc is None else fmt_pct(100 * acc.value, 100 * acc.ci_low, 100 * acc.ci_high),
                "—" if "cohen_kappa" not in by else f"{by['cohen_kappa'].value:.2f}",
                "—" if "alpha" not in by else f"{by['alpha'].value:.2f}",
                fmt_num(part["n_conversations"].max()),
            ]
        )
    return Table(
        "Agreement on the labelled sample",
        ["feature", "comparison", "accuracy (95% CI)", "Cohen's κ", "Krippendorff's α", "conversations"],
        rows,
        "κ and α: 1 = perfect, 0 = chance; the human-vs-human rows are the ceiling for any extractor.",
    )
