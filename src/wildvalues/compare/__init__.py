"""Compare two studies on one frozen scale, and watch shares drift period by period (issue 17).

``wildvalues compare STUDY_A STUDY_B -w OUT`` (``compare.cli``) loads both studies (``load``), puts them on
one scale or refuses (``scale``), compares every value, category and response type (``stats``, ``core``),
checks drift over timestamps (``drift``), writes the ``cmp_*`` tables and a report page (``run``,
``page``). ``incremental`` assigns newly extracted values to an existing tree without rebuilding it.
"""
