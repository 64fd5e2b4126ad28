"""The project's database backend (ENGINE "taskmanager.config.postgresql"; Django loads its base module)."""
