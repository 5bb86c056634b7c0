"""Every existing data set gets its owning commission (issue 9): the commission of the office or stationed group it
was defined by, else the top-level (city) commission; before, a data set without an owner was seen by everyone."""
from django.db import migrations

COMMISSION, OFFICE, STATIONED_GROUP = "commission", "office", "stationed_group"


def _commission(org):
    if org.kind == COMMISSION:
        return org
    if org.kind in (OFFICE, STATIONED_GROUP) and org.parent_id and org.parent.kind == COMMISSION:
        return org.parent
    return None


def assign_owners(apps, schema_editor):
    Dataset = apps.get_model("datasets", "Dataset")
    Organisation = apps.get_model("orgs", "Organisation")
    city = (Organisation.objects.filter(kind=COMMISSION, region__parent__isnull=True)
            .order_by("sort_order", "pk").first())
    for dataset in Dataset.objects.select_related("owner_org__parent"):
        owner = _commission(dataset.owner_org) if dataset.owner_org_id else None
        owner = owner or city
        if owner is not None and owner.pk != dataset.owner_org_id:
            Dataset.objects.filter(pk=dataset.pk).update(owner_org=owner)


class Migration(migrations.Migration):

    dependencies = [
        ("datasets", "0002_dataset_owner_commission_and_shares"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(assign_owners, migrations.RunPython.noop)]
