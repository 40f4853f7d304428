"""Sections of benchmarks/RESULTS.md, one module per benchmark (see benchmarks/report.py for the interface)."""
