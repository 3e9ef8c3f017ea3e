"""Tandem's rules and maths, in pure Python: no Django, no database, no I/O.

Every page, API answer, export and report takes its numbers from here, so that a
key result shows the same progress wherever it appears.
"""
