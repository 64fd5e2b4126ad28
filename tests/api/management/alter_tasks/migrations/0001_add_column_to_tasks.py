from django.db import migrations


class Migration(migrations.Migration):
    # Any real release's ALTER TABLE on a busy table: it needs ACCESS EXCLUSIVE,
    # so it waits for every open transaction that has read the table.
    dependencies = [("tasks", "0002_task_owner_stats_index")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE tasks_task ADD COLUMN lock_probe integer",
            reverse_sql="ALTER TABLE tasks_task DROP COLUMN lock_probe",
        )
    ]
