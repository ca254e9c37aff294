"""taxonomy stage: value and task trees (paper Section 2.3, Appendix A.6), frozen mapping, human edits.

``build_taxonomy(ws, cfg)`` is what ``wildvalues run`` calls; ``frozen_taxonomy(ws, cfg)`` maps labels
onto a fixed tree (default: the paper's released one). See docs/taxonomy.md.
"""

from wildvalues.taxonomy.stage import build_taxonomy, frozen_taxonomy

__all__ = ["build_taxonomy", "frozen_taxonomy"]
