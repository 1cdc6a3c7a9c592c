"""#22: every purchase gets its conversion to its household's home currency (households 0004 gave each household
DEFAULT_CURRENCY): one UPDATE per household and currency from the shipped ECB history (rates 0002), no network."""

from django.conf import settings
from django.db import migrations, models


def convert_every_purchase(apps, schema_editor):
    from purchases.conversion import reconvert

    Household = apps.get_model("households", "Household")
    Purchase = apps.get_model("purchases", "Purchase")
    for household_id, home_currency in Household.objects.values_list("id", "home_currency"):
        reconvert(Purchase.objects.filter(household_id=household_id), home_currency=home_currency, touch=False)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_seed_default_catalog'),
        ('households', '0004_home_currency'),
        ('rates', '0002_load_shipped_ecb_history'),
        ('spends', '0004_money_functions'),
        ('purchases', '0008_return_windows'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='purchase',
            name='exchange_rate',
            field=models.DecimalField(blank=True, decimal_places=18, help_text='Home-currency units per 1 unit of the currency on the purchase date; null: no rate known.', max_digits=30, null=True),
        ),
        migrations.AddField(
            model_name='purchase',
            name='home_price',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='price × exchange_rate in the home currency, rounded half-even to cents.', max_digits=24, null=True),
        ),
        migrations.AddField(
            model_name='purchase',
            name='rate_source',
            field=models.CharField(blank=True, choices=[('ECB', 'ECB reference rate'), ('MANUAL', 'Set by hand')], help_text='ECB: the reference rate of the day; MANUAL: set by hand, kept across edits; null: home currency (rate 1) or no rate.', max_length=6, null=True),
        ),
        migrations.AddConstraint(
            model_name='purchase',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('exchange_rate__isnull', True), ('home_price__isnull', True)), ('exchange_rate__gt', 0), _connector='OR'), name='purchases_purchase_home_price_needs_rate'),
        ),
        migrations.AddConstraint(
            model_name='purchase',
            constraint=models.CheckConstraint(condition=models.Q(('rate_source__isnull', True), models.Q(('exchange_rate__isnull', False), ('rate_source__in', ['ECB', 'MANUAL'])), _connector='OR'), name='purchases_purchase_rate_source_valid'),
        ),
        migrations.RunPython(convert_every_purchase, migrations.RunPython.noop, elidable=True),
    ]
