from pydantic import BaseModel


class TaxonomyConfig(BaseModel):
    levels: int = 4
    top_clusters: int = 5
    seed: int = 0
