"""Security headers, compression and cache lifetimes."""

import gzip


def test_security_headers_on_pages(client, workshop):
    _, _, (s1, _) = workshop
    response = client.get(f"/s/{s1.token}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp  # no third-party origins
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_inline_scripts_in_pages(client, workshop):
    import re

    ws, key, (s1, _) = workshop
    client.get(f"/w/{ws.code}?key={key}")
    for path in (
        "/",
        f"/s/{s1.token}",
        f"/s/{s1.token}/display",
        "/new",
        f"/w/{ws.code}",
        f"/w/{ws.code}/wall",
        f"/w/{ws.code}/posters",
    ):
        html = client.get(path).get_data(True)
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert " style=" not in html and "<style" not in html, path
        assert " on" + "click=" not in html


def test_session_cookie_flags(client, workshop):
    _, _, (s1, _) = workshop
    cookie = client.get(f"/s/{s1.token}").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_static_is_gzipped_and_cached_long_when_versioned(client):
    response = client.get(
        "/static/vendor/socket.io-4.8.1.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["Content-Encoding"] == "gzip"
    body = response.get_data()
    assert 10_000 < len(body) < 20_000  # 47 KB -> ~15 KB
    assert gzip.decompress(body).startswith(b"/*!\n * Socket.IO v4.8.1")
    assert "immutable" in response.headers["Cache-Control"]
    versioned = client.get("/static/js/station.js?v=1", headers={"Accept-Encoding": "gzip"})
    assert "max-age=31536000" in versioned.headers["Cache-Control"]
    plain = client.get("/static/js/station.js")
    assert "max-age=3600" in plain.headers["Cache-Control"]


def test_svg_qr_codes_are_compressed(client, workshop):
    _, _, (s1, _) = workshop
    r = client.get(f"/qr/{s1.token}.svg", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.get_data()).startswith(b"<?xml")
