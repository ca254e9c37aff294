"""wildvalues: measure which values an AI assistant expresses in real conversations.

Implements the method of "Values in the Wild" (Huang, Durmus et al., Anthropic 2025): ingest chat logs,
scrub private details, extract values per conversation with an LLM judge, build a value taxonomy and
analyse how values depend on tasks, human values and response types.
"""

__version__ = "0.1.0"
