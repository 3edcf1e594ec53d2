from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's storage, remembering each file's URL: every page asks for the same
    handful of files, and working each out from the manifest again is wasted work (figures in
    bench/README.md). The manifest is read once when the process starts and a deploy restarts
    the process, so a URL never goes stale."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
