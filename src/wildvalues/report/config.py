"""Settings of the report stage (section ``[report]`` of the config)."""

from pydantic import BaseModel, Field


class ReportConfig(BaseModel):
    include_examples: bool = Field(
        default=False,
        description="add scrubbed snippets of clusters that pass every privacy threshold (never raw text)",
    )
    out_dir: str | None = Field(
        default=None, description="where to write the report (default: <workspace>/report)"
    )
    top_n: int = Field(default=10, ge=1, description="rows in top-value tables and charts")
    table1_rows: int = Field(default=25, ge=1, description="rows of Table 1 (every value passing the "
                             "thresholds, up to this many; the paper's Table 1 shows 5)")
    residual_bars: int = Field(default=8, ge=1, description="bars per Figure-3-style residual chart")
    residual_panels: int = Field(default=4, ge=1, description="tasks / human values shown as Figure-3 panels")
    chosen_tasks: list[str] = Field(
        default_factory=list, description="task clusters for Figure 3a (default: largest)"
    )
    chosen_human_values: list[str] = Field(
        default_factory=list, description="human values for Figure 3b (default: most frequent)"
    )
    task_level: int | None = Field(
        default=None, description="task tree level of task figures (default: level with most signal shown)"
    )
    heatmap_rows: int = Field(
        default=6, ge=1, description="values per response type in Figure-11/12 heatmaps"
    )
    sunburst_depth: int = Field(default=3, ge=1, description="rings shown at once in the taxonomy sunburst")
    static_figures: bool = Field(default=True, description="also write PNG/SVG figures via matplotlib")
    examples_per_cluster: int = Field(
        default=2, ge=0, description="scrubbed snippets per cluster with examples on"
    )
    example_chars: int = Field(default=280, ge=40, description="longest scrubbed snippet shown")
