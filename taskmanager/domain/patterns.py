"""Regular expressions that state the domain's text rules to clients (in the API
schema and the filters) exactly as the domain applies them."""

import re

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
# A UUID as JSON Schema's "uuid" format writes it; uuid.UUID would also read braces, a URN or no hyphens.
CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def char_class(codes, *, negate: bool = False) -> str:
    """A regex character class of these code points (all below U+10000).

    Written with \\uXXXX escapes, which ECMA-262 (JSON Schema's dialect) and
    Python read alike; \\s and \\w differ between the two.
    """
    codes = sorted(set(codes))
    runs, start = [], None
    for index, code in enumerate(codes):
        start = code if start is None else start
        if index + 1 == len(codes) or codes[index + 1] != code + 1:
            runs.append(f"\\u{start:04X}" if start == code else f"\\u{start:04X}-\\u{code:04X}")
            start = None
    return f"[{'^' if negate else ''}{''.join(runs)}]"


# What str.strip(), and so DRF's trimming and the services', removes.
_SPACE_CODES = [code for code in range(0x10000) if chr(code).isspace()]
SPACE = char_class(_SPACE_CODES)
NOT_NUL = char_class([0], negate=True)
NOT_SPACE_OR_NUL = char_class([0, *_SPACE_CODES], negate=True)
NUL_FREE = f"^{NOT_NUL}*$"


def trimmed_text_pattern(max_length: int | None, *, allow_blank: bool = False) -> str:
    """Text of 1 (or, with ``allow_blank``, 0) to ``max_length`` (2 or more) characters once trimmed.

    The length is of the trimmed text, so the pattern states it: maxLength
    would count the spaces around it, which are accepted and dropped.
    """
    middle = f"{NOT_NUL}*" if max_length is None else f"{NOT_NUL}{{0,{max_length - 2}}}"
    kept = f"{NOT_SPACE_OR_NUL}(?:{middle}{NOT_SPACE_OR_NUL})?"
    if allow_blank:
        kept = f"(?:{kept})?"
    return f"^{SPACE}*{kept}{SPACE}*$"
