"""How numbers are written, in one place: counts, amounts in 元 and 万元, rates as percentages.

Pages (as Jinja filters), the dashboard's charts, the ledger's CSV and the Word report all use
these, so one figure reads the same everywhere it appears.
"""

from __future__ import annotations


def count(value: int) -> str:
    """2230 → 2,230: a whole number with thousands separators."""
    return f"{value:,}"


def number(value: float | int | None) -> str:
    """2230 → 2,230; 1.5 → 1.5; None → —."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return count(int(value))
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def plain(value: float | int) -> str:
    """6120 → 6120; 2.5 → 2.5: a quantity without separators (the dashboard's donation labels write them so)."""
    return f"{value:g}"


def yuan(value: float | int | None) -> str:
    """412860 → 412,860 元; 2000.5 → 2,000.50 元; None → —."""
    if value is None:
        return "—"
    return f"{value:,.2f}".removesuffix(".00") + " 元"


def wan(value: float | int) -> str:
    """412860 → 41.29 万元; below 10,000 in 元 (7300 → 7,300 元), never “0.73 万元”."""
    if value < 10000:
        return yuan(value)
    return f"{value / 10000:,.2f} 万元"


def percent(rate: float, places: int = 1) -> str:
    """A fraction as a percentage: 0.994 → 99.4%; with `places=2` (the ledger's CSV) 99.40%."""
    return f"{rate * 100:.{places}f}%"
