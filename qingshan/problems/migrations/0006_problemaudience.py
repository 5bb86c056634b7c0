import django.db.models.deletion
from django.db import migrations, models

from qingshan.orgs.choices import OrgKind

# Frozen here (not imported from problems.audience) so that later changes of the module cannot change this migration.
BACKFILL = """
INSERT INTO problems_problemaudience (problem_id, organisation_id, received_at)
SELECT p.id, p.lead_unit_id, p.received_at FROM problems_problem p WHERE p.lead_unit_id IS NOT NULL
UNION
SELECT p.id, p.supervising_org_id, p.received_at FROM problems_problem p
  JOIN orgs_organisation o ON o.id = p.supervising_org_id WHERE o.kind = %s
UNION
SELECT a.problem_id, a.unit_id, p.received_at FROM problems_assignment a
  JOIN problems_problem p ON p.id = a.problem_id WHERE a.is_active = %s
UNION
SELECT s.problem_id, s.partner_id, p.received_at FROM problems_share s
  JOIN problems_problem p ON p.id = s.problem_id
"""


def backfill(apps, schema_editor):
    schema_editor.execute(BACKFILL, [OrgKind.STATIONED_GROUP.value, True])


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0001_initial'),
        ('problems', '0005_visibility_covering_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProblemAudience',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received_at', models.DateTimeField(help_text='copy of problem.received_at: an organisation\'s newest first')),
                ('organisation', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.organisation')),
                ('problem', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='problems.problem')),
            ],
            options={
                'verbose_name': '问题知悉单位',
                'verbose_name_plural': '问题知悉单位',
                'indexes': [models.Index(fields=['organisation', '-received_at', 'problem'], name='audience_org_recent_idx')],
                'constraints': [models.UniqueConstraint(fields=('problem', 'organisation'), name='uniq_problem_audience')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
