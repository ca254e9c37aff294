"""How many clusters each level of a tree gets (paper Appendix A.6).

Given ``n_base`` leaves, a desired top size ``n_top`` and ``levels`` levels (leaves included), successive
levels shrink by the constant ratio ``n_l / n_(l-1) = (n_top / n_base) ** (1 / (levels - 1))``.
For the paper's 3,307 values, 5 top clusters and 4 levels the *targets* are 3,307 -> 380 -> 44 -> 5.
The paper reports the *realised* sizes 266 -> 26 -> 5: the hierarchizer merges duplicate proposals and
drops parents that receive no child, so a level can end below its target (ours does the same).
"""

from __future__ import annotations


def level_ratio(n_base: int, n_top: int, levels: int) -> float:
    if levels < 2:
        raise ValueError("a tree needs at least 2 levels (leaves and one level above)")
    return (n_top / n_base) ** (1.0 / (levels - 1))


def level_sizes(n_base: int, n_top: int, levels: int) -> list[int]:
    """Target sizes from the leaves (index 0 = ``n_base``) to the top (``levels - 1`` = ``n_top``).

    Each level is rounded to the nearest integer, kept at least 1 and strictly below the level under it
    (when that is above 1), so a small input still gives a proper tree.
    """
    if n_base < 1 or n_top < 1:
        raise ValueError(f"need n_base >= 1 and n_top >= 1, got {n_base} and {n_top}")
    n_top = min(n_top, n_base)
    ratio = level_ratio(n_base, n_top, levels)
    sizes = [n_base]
    for level in range(1, levels):
        target = n_top if level == levels - 1 else round(n_base * ratio**level)
        below = sizes[-1]
        sizes.append(max(1, min(target, below - 1 if below > 1 else 1)))
    return sizes
