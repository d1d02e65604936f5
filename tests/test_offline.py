"""/sw.js: the service worker that keeps the phone's station page for a dead spot."""

import json
import re


def worker_config(client) -> dict:
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    head = response.get_data(True).split("\n", 1)[0]
    return json.loads(re.fullmatch(r"var GALLERY = (.*);", head).group(1))


def test_the_worker_keeps_files_that_exist_under_the_urls_the_page_uses(client, workshop):
    config = worker_config(client)
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    _, _, (s1, _) = workshop
    page = client.get(f"/s/{s1.token}").get_data(True)
    for url in config["assets"]:
        assert client.get(url).status_code == 200, url
        if url.endswith(".js") or ".js?" in url:
            assert url in page or "socket.io" in url, f"{url} is not what the page loads"
    assert any("socket.io" in url for url in config["assets"])


def test_the_worker_is_the_same_between_requests_and_names_no_other_origin(client):
    assert worker_config(client) == worker_config(client)
    text = client.get("/sw.js").get_data(True)
    assert "http://" not in text and "https://" not in text
