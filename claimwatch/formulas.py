"""Text that a spreadsheet would run as a formula (CSV injection), both ways: the CSV
export defuses it with an apostrophe, and the import takes that apostrophe away again, so
an exported file re-imports as the text that was exported. One rule, kept here because
publishing and intake, which may not know each other, both follow it."""

import re

# A formula after a separator, for a spreadsheet that splits cells at ";", "," or a tab (its
# locale's) whatever the quoting: "=" or "@", or "+"/"-" before anything but a number.
_FORMULA = r"(?=[=@]|[+-][^\d\s.,%])"
_FORMULA_AFTER_SEPARATOR = re.compile(r"([;,\t]\s*)" + _FORMULA)
_DEFUSED_AFTER_SEPARATOR = re.compile(r"([;,\t]\s*)'" + _FORMULA)
# What starts a formula at the start of a cell.
FORMULA_START = "=+-@\t\r"


def defuse(value: str) -> str:
    """Keep a spreadsheet from running typed text as a formula, in any locale: a cell
    starting with one gets an apostrophe, and so does a formula that would start a cell
    once the text is split at a separator."""
    if not isinstance(value, str) or not value:
        return value
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    if value[0] in FORMULA_START:
        return "'" + value
    return value


def undefuse(value: str) -> str:
    """The text `defuse` was given, from what it made of it. (Text typed with an
    apostrophe before a formula, which `defuse` leaves alone, loses that apostrophe: a
    file cannot tell the two apart.)"""
    if not value or "'" not in value:
        return value
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        value = value[1:]
    return _DEFUSED_AFTER_SEPARATOR.sub(r"\1", value)
