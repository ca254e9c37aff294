from typing import Literal

from pydantic import BaseModel


class TaxonomyConfig(BaseModel):
    levels: int = 4  # AI- and human-value trees: leaves + 3 levels (paper: 3,307 -> 266 -> 26 -> 5)
    top_clusters: int = 5
    seed: int = 0
    trees: list[str] = ["ai_values", "human_values", "tasks"]
    task_levels: int = 3  # paper: 6,745 base tasks -> 458 -> 30
    task_top_clusters: int = 30
    conversations_per_base_task: int = 45  # paper: 308,210 conversations / 6,745 base-level tasks
    naming: str = "llm"  # llm | extractive (no model: names from the heaviest children)
    neighbourhood_size: int = 60
    assign_margin: float = 0.04  # cosine gap below which the LLM decides a child's parent
    calls_per_leaf: float = 0.1  # LLM call budget of a whole tree, per leaf
    reference_tree: str = ""  # frozen mode; empty = $WILDVALUES_REFERENCE_TREE or ../shared/data/...
    frozen_min_similarity: float = 0.6
    # auto: value trees mapped onto the paper's tree wherever its files are found, else built | frozen | build
    value_trees: Literal["auto", "frozen", "build"] = "auto"
    reference_download: bool = True  # fetch the paper's tree once from the Hugging Face Hub if not found
    # auto: tasks from the users' requests when under half the conversations have a task sentence
    task_source: Literal["auto", "sentences", "requests"] = "auto"
    grounding_floor: float | None = None  # None: the floor measured for the embedding model (grounding.py)
    grounding_margin: float | None = None
