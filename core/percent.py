"""The one way every page, e-mail and export rounds a completion percentage for display.

Rule: round half up (``16.67`` → ``17``, ``12.5`` → ``13``; Python's ``round`` would give ``12``),
except that a value strictly between 0 and 100 never shows as ``0`` or ``100``: a student with
something done does not read 0 %, and 100 % means complete. The value is read through its
shortest decimal form (``repr``), so ``100 * 29 / 100`` (``28.999999999999996``) counts as ``29``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent_round(value: float | None, places: int = 0) -> int | float | None:
    """A completion percentage rounded for display.

    Args:
        value: percent, 0.0–100.0, or ``None``.
        places: decimals to keep (0 for pages, 1 for CSV/JSON exports).
    Returns:
        ``int`` when ``places`` is 0, ``float`` otherwise; ``None`` for ``None``.
    """
    if value is None:
        return None
    step = Decimal(1).scaleb(-places)
    exact = Decimal(repr(float(value)))
    shown = exact.quantize(step, rounding=ROUND_HALF_UP)
    if 0 < exact < 100:
        shown = min(max(shown, step), Decimal(100) - step)
    return int(shown) if places == 0 else float(shown)
