"""Writes to the shared catalog."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spends import data_versions

CATALOG_SCOPE = "catalog"  # the data version of the shared catalog: names appear in every household's answers


def _duplicate_error(model):
    return ValidationError({"name": [f"A {model._meta.verbose_name} with this name already exists."]})


def catalog_entry_save(*, instance, **fields):
    """Create or update a retailer/brand. Names are trimmed and unique case-insensitively.

    Raises ValidationError on `name` for a duplicate, whether found by the check or by the unique index
    (a concurrent insert).
    """
    model = type(instance)
    for key, value in fields.items():
        setattr(instance, key, value)
    instance.name = (instance.name or "").strip()
    if model.objects.filter(name__iexact=instance.name).exclude(pk=instance.pk).exists():
        raise _duplicate_error(model)
    instance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
            data_versions.bump(CATALOG_SCOPE)
    except IntegrityError as exc:
        raise _duplicate_error(model) from exc
    return instance


@transaction.atomic
def catalog_entry_delete(*, instance):
    """Delete a retailer/brand. A referenced one raises ProtectedError (answered 409): nothing is lost silently."""
    instance.delete()
    data_versions.bump(CATALOG_SCOPE)


def catalog_get_or_create_by_name(*, model, name: str):
    """The entry whose name matches case-insensitively, created when missing. Returns (entry, created)."""
    name = name.strip()
    existing = model.objects.filter(name__iexact=name).first()
    if existing:
        return existing, False
    return catalog_entry_save(instance=model(), name=name), True
