from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(request, template_name, context=None, partial=None, status=200):
    """Render the whole page, or only ``partial`` for a plain HTMX request.

    Boosted requests and history restores need the full page, so they get it.
    """
    htmx = getattr(request, "htmx", None)
    wants_fragment = (
        partial is not None
        and htmx
        and not htmx.boosted
        and not htmx.history_restore_request
    )
    name = f"{template_name}#{partial}" if wants_fragment else template_name
    response = render(request, name, context or {}, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
