from django.http import Http404

from .models import ApiToken, User


def access_api_token(*, user: User, pk: int) -> ApiToken:
    """The user's own token; anybody else's token is not found (404)."""
    token = ApiToken.objects.filter(pk=pk, user=user).select_related("user").first()
    if token is None:
        raise Http404
    return token
