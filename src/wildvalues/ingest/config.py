from pydantic import BaseModel


class IngestConfig(BaseModel):
    max_message_chars: int = 200_000
    max_record_bytes: int = 64 * 1024 * 1024
