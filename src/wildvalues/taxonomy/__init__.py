"""taxonomy stage."""
