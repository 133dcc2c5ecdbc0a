"""Sign-up and password reset by SMS code: the services behind the pages (views/signup.py)
and the API (api/auth.py). Each takes what the person typed, refuses with a ServiceError
(InvalidInput 422 naming the field, TooSoon 429 with the wait) and changes nothing then.

What the answers tell a stranger: asking for a sign-up code for a number that already has an
account says so (and points to login and reset), and asking for a login code for one without
says that, so anyone may learn whether a number is registered here. Every sign-up form on the
web does the same, and it costs a code request: such a refusal counts towards the address's
sending limits (codes.count_refusal; 100 a day per address by default), which make checking
many numbers slow. Nothing else tells: the last step of sign-up checks the code before the
number, a login code for a number without an account is refused as a registered number's is
before it asked for one (accounts.backends), and a reset answers the same either way.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput
from weiguang.core.text import clean_text

from . import codes
from .models import Account, CodePurpose, clean_phone

NAME_MAX = 30


class PhoneTaken(Conflict):
    code = "phone_registered"


def phone_of(text, field: str = "phone") -> str:
    phone = clean_phone(text)
    if phone is None:
        message = _("Enter an 11-digit mainland mobile number.")
        raise InvalidInput(message, fields={field: message})
    return phone


def _taken(phone: str) -> PhoneTaken:
    message = _("This number already has an account. Log in with it, or reset the password if you forgot it.")
    return PhoneTaken(message, fields={"phone": message})


def request_code(phone_text, purpose: str, *, address: str) -> str:
    """Send a code for `purpose` (register, login, reset) to the typed number; returns the clean
    number. Sign-up refuses a registered number, login one without an account; a reset answers
    the same either way (without an account nothing is sent, but the request counts)."""
    phone = phone_of(phone_text)
    if purpose not in CodePurpose.values:
        message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(CodePurpose.values)}
        raise InvalidInput(message, fields={"purpose": message})
    exists = Account.objects.filter(phone=phone, user__is_active=True).exists()
    if purpose == CodePurpose.REGISTER and Account.objects.filter(phone=phone).exists():
        codes.count_refusal(purpose, address=address)
        raise _taken(phone)
    if purpose == CodePurpose.LOGIN and not exists:
        codes.count_refusal(purpose, address=address)
        message = _("No account has this number. Sign up first.")
        raise InvalidInput(message, fields={"phone": message})
    codes.issue_code(phone, purpose, address=address, send=purpose != CodePurpose.RESET or exists)
    return phone


def check_password(password, user) -> str:
    """The password if Django's validators accept it for `user`, else InvalidInput on `password`."""
    if not isinstance(password, str) or not password:
        message = _("This field is required.")
        raise InvalidInput(message, fields={"password": message})
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        raise InvalidInput(message, fields={"password": message}) from None
    return password


def free_username(phone: str) -> str:
    User = get_user_model()
    username, n = phone, 1
    while User._default_manager.filter(username__iexact=username).exists():
        n += 1
        username = f"{phone}-{n}"
    return username


def register(phone_text, code, password, name):
    """A new account: the code sent for sign-up, a password the validators accept, a name.
    Returns the user (not logged in: the caller does that)."""
    phone = phone_of(phone_text)
    name = clean_text(name, "name", required=True, max_length=NAME_MAX, one_line=True)
    User = get_user_model()
    user = User(username=phone, first_name=name)
    check_password(password, user)
    # the code first: without one, a registered number gets the answer any number gets
    codes.use_code(phone, CodePurpose.REGISTER, str(code or ""))  # commits a wrong try
    if Account.objects.filter(phone=phone).exists():
        raise _taken(phone)
    try:
        with transaction.atomic():
            user.username = free_username(phone)
            user.set_password(password)
            user.save()
            account = Account.objects.create(user=user, phone=phone)
            log_action(account, "register", user)
    except IntegrityError:  # the same number signed up a moment ago
        raise _taken(phone) from None
    return user


def reset_password(phone_text, code, password):
    """A new password for the account of `phone_text`, proved by the code sent for a reset.
    A number without an account gets the answer a wrong code gets."""
    phone = phone_of(phone_text)
    account = Account.objects.filter(phone=phone, user__is_active=True).select_related("user").first()
    user = account.user if account else get_user_model()(username=phone)
    check_password(password, user)
    codes.use_code(phone, CodePurpose.RESET, str(code or ""))
    if account is None:  # never happens in practice: no code was sent
        message = _("The code is wrong. Please ask for a new code.")
        raise InvalidInput(message, fields={"code": message})
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log_action(account, "password_reset", user)
    return user
