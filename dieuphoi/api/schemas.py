"""Answer schemas validated from plain data.

``Out``: the base of a response schema whose endpoint builds its answer as
dicts and lists (``tasks.api._task_out``). pydantic validates those in its
own compiled core; django-ninja's ``Schema`` first wraps every object at
every level in a ``DjangoGetter`` read field by field in Python, which was
half of the task list API's serialisation (docs/performance.md). A schema
filled from model instances keeps ``ninja.Schema`` (it reads attributes).
"""

from pydantic import BaseModel


class Out(BaseModel):
    pass
