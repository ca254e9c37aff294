from pydantic import BaseModel


class ReportConfig(BaseModel):
    include_examples: bool = False
