"""The data migration giving existing data sets their commission: an office's set goes to its commission, a set with
no owner (the catalogue's, before) to the city commission, a district's stays the district's."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("datasets", "0002_dataset_owner_commission_and_shares"), ("datacheck", "0002_run_draft_spec")]
AFTER = [("datasets", "0003_datasets_owned_by_a_commission")]


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    yield
    _migrate()  # the following tests expect every app's latest schema


@pytest.mark.django_db(transaction=True)
def test_existing_data_sets_get_their_commission(back_to_latest):
    apps = _migrate(BEFORE)
    Region, Organisation = apps.get_model("orgs", "Region"), apps.get_model("orgs", "Organisation")
    Dataset = apps.get_model("datasets", "Dataset")
    city = Region.objects.create(code="3399", name="青山市", path="/3399/")
    district = Region.objects.create(code="339901", name="绿水区", parent=city, path="/3399/339901/")
    commission = Organisation.objects.create(name="青山市纪委监委", kind="commission", region=city)
    office = Organisation.objects.create(name="第一监督检查室", kind="office", region=city, parent=commission)
    lvshui = Organisation.objects.create(name="绿水区纪委监委", kind="commission", region=district)
    for code, owner in (("catalogue", None), ("office_set", office), ("district_set", lvshui)):
        Dataset.objects.create(code=code, name=code, owner_org=owner)

    _migrate(AFTER)

    from qingshan.datasets.models import Dataset as Current

    owners = dict(Current.objects.values_list("code", "owner_org__name"))
    assert owners == {"catalogue": "青山市纪委监委", "office_set": "青山市纪委监委", "district_set": "绿水区纪委监委"}
