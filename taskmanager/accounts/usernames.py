"""What a username is: the form sign-up stores it in, and how logins and limits find it.

Names are unique whatever their case (a unique index on UPPER(username), see
the migrations), and login finds an account the same way, so ``Alice`` and
``alice`` are one account. The password stays case-sensitive.
"""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from taskmanager.tasks.filters import ASSIGNEE_ME, ASSIGNEE_NONE

# Words that stand for someone in the task filters (tasks/filters.py: assignee=me|none),
# so no account may be called by them.
RESERVED_USERNAMES = frozenset({ASSIGNEE_ME, ASSIGNEE_NONE})


def username_for_sign_up(typed: str) -> str:
    """The name exactly as it will be stored, or ValidationError saying why not.

    Django stores names in NFKC form. An accent typed as one code point or as
    two looks the same either way, so that difference is simply made one (NFC).
    Compatibility characters (the ligature "ﬁ", full-width or superscript
    letters) look different from the plain letters NFKC turns them into, so
    such a name is refused with the plain spelling suggested: what the user
    typed is then exactly what is stored and what they log in with.
    """
    name = unicodedata.normalize("NFC", typed.strip())
    plain = unicodedata.normalize("NFKC", name)
    if plain != name:
        raise ValidationError(
            f"“{name}” contains characters that would be stored differently from how they look "
            f"(such as the ligature “ﬁ”, or full-width or superscript letters). Type it as “{plain}”.",
            code="compatibility_characters",
        )
    get_user_model().username_validator(name)
    if name.lower() in RESERVED_USERNAMES:
        raise ValidationError(
            f"“{name}” is a word the task filters use (assignee={name.lower()}); choose another name.",
            code="reserved",
        )
    return name


def username_for_login(typed: str) -> str:
    """The typed name in the form names are stored in; looked up without regard to case."""
    return unicodedata.normalize("NFKC", typed.strip())


def username_count_key(typed: str) -> str:
    """One key for every spelling that logs in to the same account, so no spelling opens a new count.

    Login matches names by UPPER() in the database, so the key starts from
    the upper case as well: casefold() alone keeps the dotless i (U+0131)
    apart from "i", yet UPPER() makes both an "I", so "alice" spelt with it logs in to alice.
    """
    return username_for_login(typed).upper().casefold()
