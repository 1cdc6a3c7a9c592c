"""{% spends_dashboard %}: the signed-in user's household's dashboard on the admin index, from the analytics service."""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from analytics import charts, selectors
from spends.api.scope import request_scope
from warranties.selectors import claim_open_count, warranty_expiring

register = template.Library()


@register.inclusion_tag("analytics/admin_dashboard.html", takes_context=True)
def spends_dashboard(context):
    request = context["request"]
    household_id = request_scope(request).household_id
    summary_any = selectors.spending_summary(household_id=household_id, currency=settings.DEFAULT_CURRENCY)
    currencies = summary_any["currencies"]
    wanted = request.GET.get("currency", "").upper()
    currency = (
        wanted
        if wanted in currencies
        else (settings.DEFAULT_CURRENCY if not currencies or settings.DEFAULT_CURRENCY in currencies else currencies[0])
    )
    summary = (
        summary_any
        if currency == settings.DEFAULT_CURRENCY
        else selectors.spending_summary(household_id=household_id, currency=currency)
    )
    spending = selectors.spending_by_month(household_id=household_id, currency=currency, months=12)
    timeline = selectors.warranty_timeline(household_id=household_id, months=12)
    return {
        "currency": currency,
        "currencies": currencies,
        "summary": summary,
        "total_spent": charts.format_money(summary["total_spent"], currency),
        "this_month_spent": charts.format_money(summary["this_month_spent"], currency),
        # Every coverage counts (a purchase may have several warranties), and the claims still open on them.
        "warranty_summary": selectors.warranty_summary(household_id=household_id),
        "claims_open": claim_open_count(household_id=household_id),
        "spending_chart": mark_safe(charts.spending_bar_chart(spending, currency)),  # noqa: S308 - labels escaped
        "timeline_chart": mark_safe(charts.warranty_timeline_chart(timeline)),  # noqa: S308 - labels escaped
        "expiring": list(warranty_expiring(household_id=household_id, days=30)[:10]),
        "recent": list(selectors.recent_purchases(household_id=household_id, limit=10)),
    }
