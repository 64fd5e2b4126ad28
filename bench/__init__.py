"""The side-by-side benchmark behind `make bench` (see docs/PERFORMANCE.md)."""
