"""Households (#20): each member of a household gets their own reminder of the household's warranties, once: the log
is unique per (member, warranty, end date, lead day)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0001_initial'),
        ('warranties', '0002_warranty_created_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='sentreminder',
            name='reminders_sent_once_per_lead_day',
        ),
        migrations.AddConstraint(
            model_name='sentreminder',
            constraint=models.UniqueConstraint(fields=('user', 'warranty', 'warranty_end', 'lead_day'), name='reminders_sent_once_per_member'),
        ),
    ]
