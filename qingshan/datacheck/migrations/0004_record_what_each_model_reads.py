"""Record, for every existing model, the data sets its current spec reads and its subject columns (issue 10): the
visibility of models and the masking of their hits read them. A spec that no longer compiles records nothing; its
next run fails with its own message and its next save records them."""
from django.db import migrations


def record_reads(apps, schema_editor):
    from qingshan.datacheck import engine
    from qingshan.datasets.catalog import DatasetInfo, table_name

    Dataset = apps.get_model("datasets", "Dataset")
    CheckModel = apps.get_model("datacheck", "CheckModel")
    datasets = list(Dataset.objects.all())
    catalog = {d.code: DatasetInfo(code=d.code, table=table_name(d.code), label=d.name,
                                   columns={c["name"]: c["type"] for c in d.columns}, key=tuple(d.key),
                                   subject=tuple(d.subject), column_labels={c["name"]: c["label"] for c in d.columns})
               for d in datasets}
    ids = {d.code: d.pk for d in datasets}
    for model in CheckModel.objects.all():
        try:
            compiled = engine.compile_model(engine.parse_spec(model.spec_text), catalog)
        except Exception:  # noqa: BLE001, S112 - see the module's docstring
            continue
        model.subject_columns = list(compiled.spec.subject_columns)
        model.subject_label_column = compiled.spec.subject_label or ""
        model.save(update_fields=["subject_columns", "subject_label_column"])
        model.datasets.set([ids[c] for c in compiled.datasets_used if c in ids])


class Migration(migrations.Migration):

    dependencies = [
        ("datacheck", "0003_checkmodel_reads_and_subject_columns"),
        ("datasets", "0003_datasets_owned_by_a_commission"),
    ]

    operations = [migrations.RunPython(record_reads, migrations.RunPython.noop)]
