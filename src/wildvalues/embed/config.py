from pydantic import BaseModel


class EmbedConfig(BaseModel):
    model: str = "all-mpnet-base-v2"
    batch_size: int = 64
