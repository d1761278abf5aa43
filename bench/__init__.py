"""Benchmarks: seed a demo tenant with the demo generator and measure list, get, create, update,
aggregate and search through the platform, over HTTP and as raw SQL. See docs/benchmarks.md.

Run with ``python -m bench --accounts N [--backend sqlite|postgresql|both] [--runs R]``.
"""
