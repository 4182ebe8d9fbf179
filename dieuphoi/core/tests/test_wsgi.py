"""The WSGI entry point loads the views and freezes what it loaded
(``dieuphoi/wsgi.py``), so the collector's full passes skip it."""

import os
import subprocess
import sys

from django.conf import settings

CHECK = """
import gc, sys
import dieuphoi.wsgi
print(gc.get_freeze_count(), "dieuphoi.tasks.views" in sys.modules)
"""


def test_wsgi_loads_the_views_and_freezes_them():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dieuphoi.settings")
    out = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", CHECK],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    frozen, views_loaded = int(out[0]), out[1]
    assert views_loaded == "True"
    assert frozen > 50_000  # Django, the apps and their views
