"""taskforce-tui: the offline terminal companion of Lombardy's PNRR task-force experts.

Kept tiny on purpose: importing the package must not pull in Textual, SQLAlchemy or
anything else heavy, so that `taskforce log ...` and the first paint stay fast.
"""

__version__ = "0.1.0"
