"""Settings of the analysis stage (`[analyze]` in wildvalues.toml). Meanings: analyze/SCHEMA.md."""

from typing import Literal

from pydantic import BaseModel, Field

DEFAULT_WATCHLIST = [
    "sexual exploitation",
    "dominance",
    "amorality",
    "manipulation",
    "deception",
    "cruelty",
    "violence",
    "hatred",
    "self-harm",
    "illegal activity",
]


class AnalyzeConfig(BaseModel):
    alpha: float = Field(0.05, gt=0, lt=1, description="family-wise error rate for Bonferroni")
    bootstrap: int = Field(1000, ge=0, description="bootstrap replicates for conversation rates (0 = no CIs)")
    bootstrap_expressions: int = Field(
        200, ge=0, description="Poisson-bootstrap replicates for pct_expressions"
    )
    seed: int = 0
    all_conversations: bool = Field(False, description="analyse every conversation, not only subjective ones")
    top_k: int = Field(10, ge=1, description="strongest cells kept per row and per column of each table")
    max_full_cells: int = Field(50_000, description="tables at most this big are stored cell by cell")
    task_levels: list[int] | None = Field(
        None, description="task levels for value x task tables (None = all)"
    )
    breakdown_task_level: int | None = Field(
        None, description="task level for by-task breakdowns (None = top)"
    )
    comparisons_rule_values: Literal["per_column", "all_cells"] = "per_column"
    comparisons_rule_responses: Literal["per_column", "all_cells"] = "all_cells"
    long_tail_floors: list[float] = Field(default_factory=lambda: [0.01, 0.04, 0.16])
    cv_task_level: int = 0
    cv_min_context_conversations: int = 1
    cv_min_value_conversations: int = 30
    mirror_min_conversations: int = 30
    pairs_top_n: int = 50
    model_top_n: int = 10
    model_min_conversations: int = 30
    alert_floor_pct: float = Field(0.2, description="values rarer than this percent of conversations")
    alert_sides: list[str] = Field(default_factory=lambda: ["ai", "stated"])
    alert_watchlist: list[str] = Field(default_factory=lambda: list(DEFAULT_WATCHLIST))
    alert_method: Literal["embedding", "lexical"] = "embedding"
    alert_embedding_model: str = "all-MiniLM-L6-v2"
    alert_min_similarity: float = 0.6
    review_queue_max_per_value: int = 50
    export_parquet: bool = True
