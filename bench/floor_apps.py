"""Two reference applications for ``vs_redmine.py --floors``: what the server
and the framework cost before any code of ours runs.

- ``null``: a WSGI application that does nothing (two bytes, no Django): the
  server's own ceiling under the same gunicorn settings;
- ``bare_django()``: Django with no middleware, no installed app and one view
  answering ``ok``: the framework's own floor.

Both answer every path (the benchmark asks for ``/ping``).
"""


def null(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def bare_django():
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse
    from django.urls import re_path

    def ok(request):
        return HttpResponse("ok", content_type="text/plain")

    class Urls:
        urlpatterns = [re_path(r"", ok)]

    settings.configure(
        DEBUG=False,
        SECRET_KEY="floor-" + "x" * 50,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=Urls,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        USE_I18N=False,
    )
    return get_wsgi_application()
