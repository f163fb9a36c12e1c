"""How numbers read on the page and in the terminal: one spelling each, the same everywhere, so
the page and `evidence show` agree and every build of a page is byte-for-byte the same."""

from __future__ import annotations

GIB = 1024**3
MINUS, TIMES = "\N{MINUS SIGN}", "\N{MULTIPLICATION SIGN}"


def percent(rate: float) -> str:
    """0.6667 -> '66.7 %'."""
    return f"{rate * 100:.1f} %"


def points(delta: float) -> str:
    """A difference of two rates in percentage points, signed: 0.032 -> '+3.2 pp'."""
    value = delta * 100
    sign = "+" if value > 0.05 else (MINUS if value < -0.05 else "±")
    return f"{sign}{abs(value):.1f} pp"


def count(value: int) -> str:
    """12345 -> '12,345'."""
    return f"{value:,}"


def many(n: int, noun: str) -> str:
    """'1 line', '2 lines', '1,000 lines'."""
    return f"{count(n)} {noun}{'s' * (n != 1)}"


def p_value(p: float) -> str:
    """A p value to two significant figures; tiny ones as a bound."""
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}"


def gib(size: int) -> str:
    return f"{size / GIB:.2f} GiB"


def seconds(value: float) -> str:
    return f"{value:,.1f} s"


def coordinate(value: float) -> str:
    """An SVG coordinate: two decimals at most, no trailing zeros ('12.5', '3')."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def short(value: float) -> str:
    """An axis label: three significant figures ('0.00012', '1.5', '2,000')."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
