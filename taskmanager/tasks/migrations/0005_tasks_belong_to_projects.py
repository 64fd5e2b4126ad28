"""Step 3 of 3: projects are required; the owner columns and their indexes go."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Not backward compatible: the previous release writes tasks.owner. Its
    # pods fail their task writes from this migration until they are replaced,
    # which the rollout does within minutes (docs/ARCHITECTURE.md).
    contract_step = (
        "the owner columns are dropped in the same release that stops using them: the move to projects "
        "changes who a task belongs to, which no release can write both ways"
    )

    dependencies = [("tasks", "0004_tasks_into_inboxes")]

    operations = [
        migrations.RemoveConstraint(model_name="tag", name="tag_unique_per_owner"),
        migrations.RemoveIndex(model_name="task", name="task_owner_default_order"),
        migrations.RemoveIndex(model_name="task", name="task_owner_due_date"),
        migrations.RemoveIndex(model_name="task", name="task_owner_created"),
        migrations.RemoveIndex(model_name="task", name="task_owner_updated"),
        migrations.RemoveIndex(model_name="task", name="task_owner_stats"),
        migrations.RemoveField(model_name="tag", name="owner"),
        migrations.RemoveField(model_name="task", name="owner"),
        migrations.AlterField(
            model_name="tag",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="tags", to="projects.project"
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="tasks", to="projects.project"
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("project", "name"), name="tag_unique_per_project"),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["project", "completed", "-priority_rank", "-created_at"], name="task_project_default_order"
            ),
        ),
        migrations.AddIndex(
            model_name="task", index=models.Index(fields=["project", "due_date"], name="task_project_due_date")
        ),
        migrations.AddIndex(
            model_name="task", index=models.Index(fields=["project", "-created_at"], name="task_project_created")
        ),
        migrations.AddIndex(
            model_name="task", index=models.Index(fields=["project", "-updated_at"], name="task_project_updated")
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["project", "completed", "priority", "due_date"], name="task_project_stats"),
        ),
        migrations.AddIndex(
            model_name="task", index=models.Index(fields=["assignee", "completed"], name="task_assignee")
        ),
    ]
