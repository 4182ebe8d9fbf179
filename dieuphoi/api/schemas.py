"""Answer schemas validated from plain data.

``Out``: the base of a response schema whose endpoint builds its answer as
dicts and lists (``tasks.api._task_out``). pydantic validates those in its
own compiled core; django-ninja's ``Schema`` first wraps every object at
every level in a ``DjangoGetter`` read field by field in Python, which was
half of the task list API's serialisation (docs/performance.md). A schema
filled from model instances keeps ``ninja.Schema`` (it reads attributes).

``json_text`` / ``json_response``: an answer kept in a cache as the text
ninja would send for it (its renderer, its dump), so a cached answer is
neither unpickled as a model nor encoded again on every request.
"""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer
from pydantic import BaseModel

# Our NinjaAPI's renderer (``api.urls`` passes it): cached answers are
# rendered by the same object as every other answer.
RENDERER = JSONRenderer()


class Out(BaseModel):
    pass


def json_text(answer: BaseModel) -> str:
    """What ninja sends for ``answer`` returned by an endpoint whose
    response schema is its type (``Operation._result_to_response``)."""
    return RENDERER.render(None, answer.model_dump(), response_status=200)


def json_response(text: str) -> HttpResponse:
    """A 200 answer of ``json_text``, with ninja's content type."""
    return HttpResponse(
        text, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}"
    )
