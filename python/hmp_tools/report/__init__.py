"""hmp analysis: JSON Lines run records -> scaling tables, plots and a report.

The record format is the one in docs/design.md ("Records"); nothing here reads
anything else, so the package can be tested on synthetic records alone.
"""
