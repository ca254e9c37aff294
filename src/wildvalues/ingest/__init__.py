"""ingest stage: read chat logs of many formats into the workspace's raw store, accounting for every record.

``ingest(paths, ws, fmt=..., sample=..., seed=...) -> IngestSummary``;
``demo_source()`` is the default corpus.
"""

from wildvalues.ingest.api import IngestSummary, demo_source, ingest
from wildvalues.ingest.detect import IngestError

__all__ = ["IngestError", "IngestSummary", "demo_source", "ingest"]
