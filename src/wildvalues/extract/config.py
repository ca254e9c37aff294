from pydantic import BaseModel


class ExtractConfig(BaseModel):
    mode: str = "fast"  # fast | paper
    max_message_chars: int = 1500
