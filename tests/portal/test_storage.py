from portal.storage import StaticFilesStorage


def test_static_urls_come_from_the_manifest_and_are_worked_out_once(tmp_path):
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    storage.hashed_files = {"css/portal.css": "css/portal.0123abcd.css"}
    assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"
    storage.hashed_files = {"css/portal.css": "css/portal.ffff0000.css"}
    # The process keeps the URL it worked out: the manifest cannot change under it.
    assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"
