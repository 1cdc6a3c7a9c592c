"""Move every DRF authtoken key into spends.ApiToken as its SHA-256, then delete the plaintext keys.

Existing clients keep working (their key hashes to the stored digest); the clear keys leave the database, and so every
later backup. `rest_framework.authtoken` stays installed only so that backups made before this migration can still be
restored: the restore runs `migrate`, and this migration hashes the keys in that old dump too.
"""

import hashlib
import uuid

from django.db import migrations

BATCH = 500


def hash_drf_token_keys(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("spends", "ApiToken")
    rows = [
        ApiToken(
            id=uuid.uuid4(),
            user_id=token.user_id,
            name="Existing token",
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            created_at=token.created,
        )
        for token in Token.objects.all().iterator(chunk_size=BATCH)
    ]
    ApiToken.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)  # a key already moved stays once
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("spends", "0001_api_token"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [
        # Irreversible in content: the clear keys are gone. Going back leaves the tokens in spends.ApiToken.
        migrations.RunPython(hash_drf_token_keys, migrations.RunPython.noop),
    ]
