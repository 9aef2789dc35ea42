"""Benchmarks. Nothing here is imported by the application."""
