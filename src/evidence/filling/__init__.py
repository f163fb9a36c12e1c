"""Filling a template run directory from a console log (`evidence fill --from-log`).

plan_fill reads the log and the template and merges what the log states into the template
through the models; write_fill writes the result. Nothing is written until the whole result
validates, and nothing is written at all while there are conflicts (unless forced).
"""

from evidence.filling.options import KAGGLE_OPTIONS, OptionError, option_statements
from evidence.filling.plan import FillPlan, plan_fill
from evidence.filling.statements import FillError
from evidence.filling.write import write_fill

__all__ = ["KAGGLE_OPTIONS", "FillError", "FillPlan", "OptionError", "option_statements",
           "plan_fill", "write_fill"]
