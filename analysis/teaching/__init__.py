"""What the teaching notebooks share: where the shipped files are, the checking cell of an exercise, and the charts.

The notebooks in ``notebooks/`` (kept as Jupytext percent scripts, paired with executed ``.ipynb`` files) import
from here so that their cells show ideas rather than matplotlib, and so that they run from any working folder.
"""
