"""The API: one NinjaAPI, one router per app, token auth, shared errors.

OpenAPI 3 at /api/openapi.json, docs at /api/docs.
"""

from django.http import Http404
from ninja import NinjaAPI, Router

from . import errors
from .auth import token_auth
from .schemas import RENDERER

api = NinjaAPI(
    title="dieuphoi API",
    version="1",
    urls_namespace="api",
    auth=token_auth,
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The one renderer ``schemas.json_text`` also uses for cached answers.
    renderer=RENDERER,
)
errors.install(api)

# Routers are added per app; each module exposes ``router``.
for module_path, prefix in [
    ("dieuphoi.accounts.api", "/v1/auth"),
    ("dieuphoi.org.api", "/v1"),
    ("dieuphoi.docs.api", "/v1/documents"),
    ("dieuphoi.tasks.api", "/v1/tasks"),
    ("dieuphoi.discussions.api", "/v1/tasks"),
    ("dieuphoi.proposals.api", "/v1"),
    ("dieuphoi.keyprojects.api", "/v1"),
    ("dieuphoi.matters.api", "/v1"),
    ("dieuphoi.activities.api", "/v1"),
    ("dieuphoi.inspections.api", "/v1"),
    ("dieuphoi.calendars.api", "/v1"),
    ("dieuphoi.reports.api", "/v1"),
    ("dieuphoi.reports.contribution_api", "/v1"),
    ("dieuphoi.reports.scorecard_api", "/v1"),
]:
    from importlib import import_module
    from importlib.util import find_spec

    if find_spec(module_path) is not None:
        api.add_router(prefix, import_module(module_path).router)


# Last: any other path under /api/ is the API's JSON 404, not the site's HTML
# page (an id that is not a number, e.g. /api/v1/tasks/-1, matches no route).
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    auth=None,
    include_in_schema=False,
)
def not_found(request, rest: str):
    raise Http404


not_found.accepts_any_query = True


api.add_router("", fallback)
