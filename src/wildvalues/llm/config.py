from pydantic import BaseModel


class LLMConfig(BaseModel):
    backend: str = "local"  # local | openai | anthropic
    model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    concurrency: int = 1
