"""Server-rendered SVG charts for the admin dashboard: no JavaScript, no CDN, no build step.

Pure functions from already-aggregated series (analytics selectors) to SVG markup. Every label goes through
`escape`, so names typed by users cannot inject markup.
"""

from decimal import Decimal
from html import escape

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
SERIES_COLOURS = {"active": "#2e7d32", "expiring_soon": "#f9a825", "expired": "#c62828"}


def format_money(amount: Decimal, currency: str) -> str:
    """`1,234.50 USD`: grouped digits, two decimals, the ISO code (readable in every locale)."""
    return f"{amount:,.2f} {currency}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _frame(title: str, body: list[str], y_labels: list[tuple[float, str]]) -> str:
    grid = []
    for y, label in y_labels:
        grid.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        grid.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">{escape(label)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="spends-chart" width="100%">'
        f"<title>{escape(title)}</title>" + "".join(grid) + "".join(body) + "</svg>"
    )


def spending_bar_chart(series: list[dict], currency: str) -> str:
    """Bars of `total_amount` per month (`[{"month", "total_amount", "item_count"}]`)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(float(max((row["total_amount"] for row in series), default=0)))
    slot = plot_w / max(len(series), 1)
    body = []
    for index, row in enumerate(series):
        amount = row["total_amount"]
        height = plot_h * float(amount) / top
        x = LEFT + index * slot + slot * 0.15
        y = TOP + plot_h - height
        tip = f"{row['month']}: {format_money(amount, currency)} ({row['item_count']} purchases)"
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" fill="#417690">'
            f"<title>{escape(tip)}</title></rect>"
        )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
            f'fill="#333">{escape(row["month"][2:])}</text>'
        )
    # Axis labels in whole units ("8,000"); the currency is in the title and in every bar's tooltip.
    ticks = [(TOP + plot_h - plot_h * f, f"{top * f:,.0f}") for f in (0, 0.5, 1)]
    return _frame(f"Spending per month in {currency}", body, ticks)


def warranty_timeline_chart(series: list[dict]) -> str:
    """Grouped bars per month of active, expiring soon and expired coverages (warranties), with a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    keys = ["active", "expiring_soon", "expired"]
    top = _nice_max(float(max((row[k] for row in series for k in keys), default=0)))
    slot = plot_w / max(len(series), 1)
    bar = slot * 0.8 / len(keys)
    body = []
    for index, row in enumerate(series):
        for offset, key in enumerate(keys):
            height = plot_h * row[key] / top
            x = LEFT + index * slot + slot * 0.1 + offset * bar
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{SERIES_COLOURS[key]}"><title>{escape(row["month"])}: {row[key]} '
                f"{key.replace('_', ' ')}</title></rect>"
            )
        body.append(
            f'<text x="{LEFT + index * slot + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#333">{escape(row["month"][2:])}</text>'
        )
    for offset, key in enumerate(keys):
        x = LEFT + offset * 130
        body.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{SERIES_COLOURS[key]}"/>')
        body.append(f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11">{key.replace("_", " ")}</text>')
    ticks = [(TOP + plot_h - plot_h * f, f"{top * f:g}") for f in (0, 0.5, 1)]
    return _frame("Coverages per month", body, ticks)
