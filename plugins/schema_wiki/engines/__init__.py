"""Engines: the glue between the engine-free pipeline and a site generator.

Only this package imports ``mkdocs``.
"""
