"""BatchSeal.version: the algorithm that made each seal. A seal already recorded is of version 1 when it is the
hash of its fields headed ``qingshan-batch-seal/1`` (the first build), else of version 2."""
import datetime as dt
import hashlib

from django.db import migrations, models

HEADERS = {1: "qingshan-batch-seal/1", 2: "qingshan-batch-seal/2"}


def _seal(seal, code, header):
    # The seal text of sealing.seal_text() as it was when this migration was written (frozen here).
    stamp = seal.sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    lines = [header, f"dataset={code}", f"batch={seal.batch_id}", f"previous={seal.previous_seal}",
             "columns=" + ",".join(f"{n}:{t}" for n, t in seal.columns), f"rows={seal.row_count}",
             f"rows_sha256={seal.rows_sha256}", f"file_sha256={seal.file_sha256}",
             f"importer={seal.importer_name}", f"sealed_at={stamp}"]
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def detect_versions(apps, schema_editor):
    BatchSeal = apps.get_model("datasets", "BatchSeal")
    first = [s.pk for s in BatchSeal.objects.select_related("dataset").iterator()
             if _seal(s, s.dataset.code, HEADERS[1]) == s.seal]
    BatchSeal.objects.filter(pk__in=first).update(version=1)


class Migration(migrations.Migration):

    dependencies = [
        ('datasets', '0005_batch_seals'),
    ]

    operations = [
        migrations.AddField(
            model_name='batchseal',
            name='version',
            field=models.PositiveSmallIntegerField(choices=[(1, '第 1 版'), (2, '第 2 版')], default=2,
                                                   verbose_name='封存算法版本'),
        ),
        migrations.RunPython(detect_versions, migrations.RunPython.noop),
    ]
