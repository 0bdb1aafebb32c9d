"""Views of the accounts app: the profile page and the invitation link."""

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from accounts.adapters import INVITATION_SESSION_KEY
from accounts.forms import ProfileForm
from accounts.middleware import language_cookie_set
from accounts.models import User
from accounts.services import user_language_set, user_profile_update
from accounts.tokens import InvitationTokenExpired, InvitationTokenInvalid, invitation_token_read


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Show and save the signed-in user's own profile. Only ever edits ``request.user``.

    The form is bound to a fresh copy of the user so an invalid submission never alters
    ``request.user``. Saving a new language activates it and sets Django's language cookie, so the
    very next page is in that language (the cookie wins over ``User.language`` in
    :class:`accounts.middleware.UserPreferencesMiddleware`).
    """
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            user_profile_update(user=user, data=form.cleaned_data)
            translation.activate(user.language)
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            language_cookie_set(response, user.language)
            return response
    else:
        form = ProfileForm(instance=User.objects.get(pk=user.pk))
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def language_set(request):
    """The header language switch: Django's ``set_language`` plus, when signed in, the profile's language.

    Takes the same POST fields as :func:`django.views.i18n.set_language` (``language``, ``next``)
    and answers what it answers (a redirect to a safe ``next`` that sets the language cookie; an
    unknown language leaves everything unchanged). For a signed-in user a valid language is also
    saved as ``User.language``, so the profile page and the next login agree with the interface.
    """
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response


@require_GET
def invitation_accept(request, token):
    """Open sign-up for exactly the invited address and go to the sign-up form.

    Answers 400 for a tampered or unknown token and 410 for an expired one (with a page that says
    so); an already accepted invitation leads to the login page. The address is remembered in the
    session (read by the adapter and the sign-up form) and handed to allauth as already verified,
    since the link proves the invitee reads that mailbox.
    """
    try:
        invitation = invitation_token_read(token)
    except InvitationTokenExpired:
        return render(request, "accounts/invitation_invalid.html", {"reason": "expired"}, status=410)
    except InvitationTokenInvalid:
        return render(request, "accounts/invitation_invalid.html", {"reason": "invalid"}, status=400)
    if invitation.accepted_at is not None:
        messages.info(request, _("This invitation has already been used. Please log in."))
        return redirect("account_login")
    if request.user.is_authenticated:
        messages.info(
            request,
            _("You are already logged in. Log out first to accept the invitation for %(email)s.")
            % {"email": invitation.email},
        )
        return redirect("core:home")
    request.session[INVITATION_SESSION_KEY] = invitation.email
    get_account_adapter(request).stash_verified_email(request, invitation.email)
    return redirect(reverse("account_signup"))
