"""Malformed Socket.IO frames (issue 20): answered by nothing, counted per connection and
logged once, never a traceback per frame."""

from __future__ import annotations

import json
import logging

import pytest

from gallery.adapters import MALFORMED, TolerantPacket

BROKEN = ["2[", "2{}", "2[]", "2[1]", "9", "4x", '2["post_note"', "2" + "[" * 5000 + "]" * 5000]


@pytest.mark.parametrize("frame", BROKEN)
def test_a_broken_packet_decodes_as_the_malformed_event(frame):
    packet = TolerantPacket(encoded_packet=frame)
    assert (packet.packet_type, packet.data, packet.id) == (2, [MALFORMED], None)


def test_good_packets_decode_as_before():
    assert TolerantPacket(encoded_packet='21["post_note",{"a":1}]').data == ["post_note", {"a": 1}]
    assert TolerantPacket(encoded_packet="0").packet_type == 0
    assert TolerantPacket(encoded_packet='31[{"ok":true}]').data == [{"ok": True}]


def _open(client) -> str:
    """An Engine.IO long-polling session joined to the default namespace; its sid."""
    opened = client.get("/socket.io/?EIO=4&transport=polling").get_data(as_text=True)
    sid = json.loads(opened[1:])["sid"]
    assert (
        client.post(f"/socket.io/?EIO=4&transport=polling&sid={sid}", data="40").status_code == 200
    )
    return sid


def test_a_flood_of_broken_frames_logs_one_line(app, client, caplog):
    caplog.set_level(logging.INFO)
    sid = _open(client)
    url = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    for frame in BROKEN * 5:  # each an Engine.IO message ("4") carrying a broken packet
        assert client.post(url, data="4" + frame).status_code == 200
    warnings = [r for r in caplog.records if "malformed Socket.IO frame" in r.getMessage()]
    assert len(warnings) == 1
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    client.post(url, data="41")  # the client leaves: the count is logged once
    totals = [
        r.getMessage() for r in caplog.records if "malformed Socket.IO frames" in r.getMessage()
    ]
    assert totals == [
        f"{len(BROKEN) * 5} malformed Socket.IO frames from 127.0.0.1 on one connection"
    ]
