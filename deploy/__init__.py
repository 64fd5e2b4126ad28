"""Deployment tooling; importable so that `make run`, the tests and the benchmark share deploy.harness."""
