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
