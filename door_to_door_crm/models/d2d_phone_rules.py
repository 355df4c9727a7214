"""The rules of a client's phone number, the same on the server as on the
tablet (static/src/agent_app/core/phone.js, whose header states them; the
cases both sides are tested on are in static/tests/agent_phone_cases.js).

The provider works in Russia: a Russian form (8XXXXXXXXXX, 7XXXXXXXXXX,
9XXXXXXXXX, +7XXXXXXXXXX, with spaces, dashes, dots, parentheses) is read as
+7 whatever the company's country; a +7 number must begin as a Russian or
Kazakh national number does; another "+<country>" number passes when it is
plausible E.164 (phonenumbers then decides); anything else is refused.
Plain functions, no model: they raise nothing.
"""

import re

# Keep these in step with phone.js (tests/test_phone_rules.py compares them).
SEPARATORS = " \t\r\n\u00a0\u2009\u202f.()-\u2010\u2011\u2012\u2013\u2014\u2212"
# The first digits of a +7 national number: Russia [347-9]\d{9}, Kazakhstan
# [78]\d{9} and 33622\d{5} in phonenumbers' metadata.
RUSSIAN_LEADING_DIGITS = "34789"
INTERNATIONAL_MIN_DIGITS = 8
INTERNATIONAL_MAX_DIGITS = 15
# Why a number is refused (the codes of phone.js's PHONE_ERRORS).
PHONE_ERRORS = ("empty", "invalid", "too_short", "too_long")

_SEPARATOR_RE = re.compile(f"[{re.escape(SEPARATORS)}]")
# ASCII digits only (\d would take other scripts' digits, as JavaScript's does not)
_NUMBER_RE = re.compile(r"(\+?)([0-9]+)")


def normalise_phone(text):
    """`text` by the tablet's rules, as phone.js's normalisePhone: (phone,
    None) with phone in E.164 ("+79167654321", or "+<digits>" of another
    country that phonenumbers has still to check), or (None, error) with
    error one of PHONE_ERRORS."""
    if text is None:
        return None, "empty"
    if not isinstance(text, str):
        return None, "invalid"
    compact = _SEPARATOR_RE.sub("", text)
    if not compact:
        return None, "empty"
    match = _NUMBER_RE.fullmatch(compact)
    if not match:
        return None, "invalid"
    plus, digits = match.groups()
    if plus:
        if digits[0] == "7":
            return _russian(digits[1:])
        if digits[0] == "0":
            return None, "invalid"
        return _length_error(len(digits), INTERNATIONAL_MIN_DIGITS, INTERNATIONAL_MAX_DIGITS) or (f"+{digits}", None)
    if digits[0] in "78":
        return _length_error(len(digits), 11, 11) or _russian(digits[1:])
    if digits[0] == "9":
        return _length_error(len(digits), 10, 10) or _russian(digits)
    # another country's national number, or a Russian one without its 8
    return _length_error(len(digits), 10, 11) or (None, "invalid")


def normalise_russian_phone(text):
    """The +7 E.164 form of `text` when it is a Russian form the rules
    accept ("8 916 765-43-21" gives "+79167654321"), else None: not a
    Russian form, or refused."""
    phone, _error = normalise_phone(text)
    return phone if phone and phone.startswith("+7") else None


def _russian(national):
    return _length_error(len(national), 10, 10) or (
        (f"+7{national}", None) if national[0] in RUSSIAN_LEADING_DIGITS else (None, "invalid")
    )


def _length_error(length, minimum, maximum):
    if length < minimum:
        return None, "too_short"
    if length > maximum:
        return None, "too_long"
    return None
