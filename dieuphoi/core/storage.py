"""Static files storage of the production process."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, each ``url()`` remembered.

    The manifest is read once when the process starts and never changes in
    it, so a name's URL never changes either; the layout asks for some
    seventeen of them on every page (``{% static %}``: the hashed name
    looked up, quoted and joined each time, about 0.3 ms a page). A name
    missing from the manifest still raises, and is not remembered.
    ``collectstatic`` builds the manifest through ``_url``, not ``url``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
