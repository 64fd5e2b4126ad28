"""The Django floor: the API's task requests answered by bare Django (see views.py)."""
