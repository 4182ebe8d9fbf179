"""Password policy (OWASP ASVS 5.0 level 2, README "Security").

Django's validators give the length (12), the common-password list, the
similarity to the user's own data and the all-digits check; this one rejects,
without any network look-up, the patterns that breached-password lists are
full of: the username, the product's name, keyboard and counting runs, the
word "password" in English or Vietnamese, and a short unit repeated. There
are no composition rules (no "one digit, one capital").
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PRODUCT_WORDS = ("dieuphoi", "vungthudo", "capitalregion")
COMMON_FRAGMENTS = (
    "password",
    "passw0rd",
    "matkhau",
    "qwerty",
    "asdfgh",
    "zxcvbn",
    "123456",
    "654321",
    "abcdef",
    "111111",
    "000000",
    "iloveyou",
    "letmein",
    "admin123",
)


def normalise(value: str) -> str:
    """Lower case, Vietnamese accents dropped (đ → d), letters and digits only."""
    value = value.casefold().replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", plain)


class BreachedPatternValidator:
    def validate(self, password, user=None):
        plain = normalise(password)
        username = normalise(getattr(user, "username", "") or "")
        if len(username) >= 3 and username in plain:
            raise ValidationError(
                _("The password must not contain your username."),
                code="password_contains_username",
            )
        for word in PRODUCT_WORDS:
            if word in plain:
                raise ValidationError(
                    _("The password must not contain the name of this system."),
                    code="password_contains_product",
                )
        for fragment in COMMON_FRAGMENTS:
            if fragment in plain:
                raise ValidationError(
                    _(
                        "The password contains a pattern found in leaked "
                        "password lists (such as “%(pattern)s”)."
                    )
                    % {"pattern": fragment},
                    code="password_common_pattern",
                )
        if re.fullmatch(r"(.{1,3})\1+", password):
            raise ValidationError(
                _("The password must not be a few characters repeated."),
                code="password_repeated",
            )

    def get_help_text(self):
        return _(
            "Your password must not contain your username, the name of this "
            "system or a pattern common in leaked passwords."
        )
