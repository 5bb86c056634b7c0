from django.db import migrations, models

# Frozen here (not imported from problems.audience): copies each problem's restriction onto its audience rows.
BACKFILL = """
UPDATE problems_problemaudience SET is_restricted = %s
WHERE problem_id IN (SELECT id FROM problems_problem WHERE is_restricted = %s)
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL, [True, True])


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0001_initial'),
        ('problems', '0006_problemaudience'),
    ]

    operations = [
        migrations.AddField(
            model_name='problemaudience',
            name='is_restricted',
            field=models.BooleanField(default=False, help_text='copy of problem.is_restricted'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex(
            model_name='problemaudience',
            name='audience_org_recent_idx',
        ),
        migrations.AddIndex(
            model_name='problemaudience',
            index=models.Index(fields=['organisation', '-received_at', 'problem', 'is_restricted'],
                               name='audience_org_recent_idx'),
        ),
    ]
