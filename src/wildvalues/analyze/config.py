from pydantic import BaseModel


class AnalyzeConfig(BaseModel):
    alpha: float = 0.05
    bootstrap: int = 1000
    seed: int = 0
