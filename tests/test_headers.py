"""Security headers, compression and cache lifetimes."""

import base64
import gzip
import hashlib
import re
from pathlib import Path

import pytest

from gallery.web import headers


def test_security_headers_on_pages(client, workshop):
    _, _, (s1, _) = workshop
    response = client.get(f"/s/{s1.token}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp  # no third-party origins
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def directives(csp: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (d.split() for d in csp.split(";"))}


def inline_blocks(html: str) -> list[tuple[str, str]]:
    """(tag, text) of every <script> and <style> element that carries its code inline."""
    return re.findall(r"<(script|style)>(.*?)</\1>", html, re.S)


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_inline_code_only_as_the_policy_allows_it_by_hash(client, workshop):
    """No page has inline code but what its own policy lists by hash: the station page its
    stylesheet and note form, the wall its stylesheet and its scripts, every other page
    nothing (exactly the plain policy)."""
    ws, key, (s1, _) = workshop
    client.get(f"/w/{ws.code}?key={key}")
    for path in (
        "/",
        f"/s/{s1.token}",
        f"/s/{s1.token}/display",
        "/new",
        f"/w/{ws.code}",
        f"/w/{ws.code}/wall",
        f"/w/{ws.code}/wall/{s1.token}",
        f"/w/{ws.code}/posters",
    ):
        response = client.get(path)
        html = response.get_data(True)
        policy = response.headers["Content-Security-Policy"]
        allowed = directives(policy)
        blocks = inline_blocks(html)
        for tag in re.findall(r"<(?:script|style)[^>]*>", html):
            data = tag.startswith('<script type="application/json"')  # the wall's state: no code
            assert "src=" in tag or data or tag in ("<script>", "<style>"), (path, tag)
        assert len(blocks) == html.count("<script>") + html.count("<style>"), path
        for tag, text in blocks:
            assert sha256_source(text) in allowed[f"{tag}-src"], (path, tag, text[:80])
        for tag in ("script", "style"):
            hashes = [s for s in allowed[f"{tag}-src"] if s.startswith("'sha256-")]
            assert len(hashes) == sum(1 for t, _ in blocks if t == tag), (path, policy)
        assert " style=" not in html and " on" + "click=" not in html, path
        assert "unsafe-" not in policy, path
        if path == f"/s/{s1.token}":
            assert sorted(tag for tag, _ in blocks) == ["script", "style"]
        elif "/wall" in path:
            assert sorted(tag for tag, _ in blocks) == ["script"] * 8 + ["style"], path
            assert 'rel="stylesheet"' not in html, path
        else:
            assert not blocks and policy == headers.CSP, path


def test_station_page_carries_its_css_and_note_form_inline(app, client, workshop):
    """What the station page inlines is the project's own files, the same on every station
    and every request (its hashes are computed once per process), and it links no stylesheet;
    a refused form (400) is the same page under the same policy."""
    _, _, (s1, s2) = workshop
    first = client.get(f"/s/{s1.token}")
    html = first.get_data(True)
    static = Path(app.static_folder)
    outbox_js = (static / "js" / "outbox.js").read_text()
    css = (static / "css" / "gallery.css").read_text()
    blocks = dict(inline_blocks(html))
    assert blocks["script"] == outbox_js
    assert css.startswith(blocks["style"].rstrip()) and ".note__text" in blocks["style"]
    assert ".wall__columns" not in blocks["style"] and len(blocks["style"]) < len(css) / 2
    assert 'rel="stylesheet"' not in html and not re.search(r'src="[^"]*outbox\.js', html)
    assert html.index("</form>") < html.index("<script>")  # the form is there when it runs

    second = client.get(f"/s/{s2.token}")
    refused = client.post(f"/s/{s1.token}", data={"text": "", "client_id": "refused00001"})
    assert refused.status_code == 400
    for response in (second, refused):
        assert dict(inline_blocks(response.get_data(True))) == blocks
        assert (
            response.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
        )


def test_an_inline_block_cannot_close_its_element():
    with pytest.raises(ValueError):
        headers.InlineBlock.of("script", "var a = '</script><script>alert(1)';")
    block = headers.InlineBlock.of("style", "p { color: red; }")
    assert block.source == sha256_source("p { color: red; }")
    assert headers.policy([block]).startswith("default-src 'self'; script-src 'self'; ")
    assert f"style-src 'self' {block.source};" in headers.policy([block])


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
