import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dieuphoi.settings")
application = get_wsgi_application()

# Load the URLs and views now rather than on the first request, then keep
# everything loaded so far out of the garbage collector's full passes: these
# objects live as long as the process, and scanning them on each full pass
# (about one per page) made the slowest 5% of pages 2-4 times slower than
# the median (docs/performance.md, "Garbage collection").
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (imports every view)
gc.collect()
gc.freeze()
