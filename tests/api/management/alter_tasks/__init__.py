"""A test-only app whose one migration alters tasks_task, the table every request reads.

Installed only by ``alter_tasks_settings`` in the processes the lock-timeout
tests start, never in the test settings or the product.
"""
