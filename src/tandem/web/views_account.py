"""A person's own account: password resets and the language menu.

The password-reset pages are Django's, with Tandem's templates and a form that sends
through the rate limit and the ``mail`` queue.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.accounts import services
from tandem.accounts.forms import PasswordResetRequestForm
from tandem.accounts.languages import CODES
from tandem.accounts.models import User

# -- password reset -------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "web/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    # Changing the password ends every session of the person (Django checks a hash of
    # the password on each request); signing in again is deliberate.
    post_reset_login = False


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


# -- the language menu --------------------------------------------------------------------


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language menu: a person who is signed in keeps the choice in their profile, a
    visitor in Django's language cookie (the sign-in page's menu)."""
    language = request.POST.get("language", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
    user = request.user
    if isinstance(user, User):
        try:
            services.user_language_set(
                user=user, language=language, organization=getattr(request, "organization", None)
            )
        except ValidationError as error:
            return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")
    elif language not in CODES:
        return HttpResponse(
            _("“%(language)s” is not a language of Tandem.") % {"language": language},
            status=400,
            content_type="text/plain",
        )
    response = redirect(back)
    # The cookie keeps the choice for the sign-in page after signing out.
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
