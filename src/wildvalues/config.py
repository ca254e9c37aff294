"""One typed configuration, read from a TOML file, then environment, then command-line flags.

Each stage owns its section (``wildvalues.<stage>.config``); this module only assembles them. The
resolved config is stored with every run record.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator

from wildvalues.analyze.config import AnalyzeConfig
from wildvalues.embed.config import EmbedConfig
from wildvalues.engine.config import EngineConfig
from wildvalues.extract.config import ExtractConfig
from wildvalues.ingest.config import IngestConfig
from wildvalues.llm.config import LLMConfig
from wildvalues.privacy.config import PrivacyConfig
from wildvalues.report.config import ReportConfig
from wildvalues.taxonomy.config import TaxonomyConfig

ENV_PREFIX = "WILDVALUES_"
# The fast profile embeds with the small model its heads already use (it ships in a pip package: nothing to
# pull); the others keep all-mpnet-base-v2 unless embed.model is set. On 1,000 ShareGPT requests MiniLM took
# 28 s of CPU and mpnet 390 s (docs/grounded-names.md).
FAST_EMBED_MODEL = "all-MiniLM-L6-v2"


class Config(BaseModel):
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    extract: ExtractConfig = Field(default_factory=ExtractConfig)
    embed: EmbedConfig = Field(default_factory=EmbedConfig)
    taxonomy: TaxonomyConfig = Field(default_factory=TaxonomyConfig)
    analyze: AnalyzeConfig = Field(default_factory=AnalyzeConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)

    @model_validator(mode="after")
    def _fast_profile_embeds_small(self) -> Config:
        if self.extract.profile == "fast" and "model" not in self.embed.model_fields_set:
            self.embed.model = FAST_EMBED_MODEL
        return self


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    section, _, key = dotted.partition(".")
    if not key:
        raise ValueError(f"config override {dotted!r} must be SECTION.KEY")
    data.setdefault(section, {})[key] = value


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None,
                environ: dict[str, str] | None = None) -> Config:
    """Layers: TOML file (``path``, else ``./wildvalues.toml``) < env ``WILDVALUES_SECTION__KEY`` < overrides.

    ``overrides`` maps ``"section.key"`` to a value (flags set to None are ignored).
    """
    data: dict[str, Any] = {}
    if path is None and Path("wildvalues.toml").exists():
        path = Path("wildvalues.toml")
    if path is not None:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    env = os.environ if environ is None else environ
    for name, value in env.items():
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, key = name[len(ENV_PREFIX):].lower().split("__", 1)
            _set_dotted(data, f"{section}.{key}", value)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, dotted, value)
    return Config.model_validate(data)
