import json

import pytest

from feed.play_messages import AckMessage, ActionMessage, BadMessage, PingMessage, parse_client_message


def parse(obj, max_bytes=1024):
    return parse_client_message(obj if isinstance(obj, str) else json.dumps(obj), max_bytes=max_bytes)


def test_valid_messages():
    assert parse({"type": "action", "seq": 3, "buttons": ["left", "jump"]}) == ActionMessage(
        seq=3, buttons=4 | 16
    )
    assert parse({"type": "action", "seq": 4, "buttons": []}) == ActionMessage(seq=4, buttons=0)
    assert parse({"type": "ack", "frame": 9}) == AckMessage(frame=9)
    assert parse({"type": "ping", "t": 5}) == PingMessage(t=5)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ({"type": "teleport"}, "bad_message"),
        ({"type": "action", "seq": 0, "buttons": []}, "bad_message"),
        ({"type": "action", "seq": True, "buttons": []}, "bad_message"),
        ({"type": "action", "seq": 2**32, "buttons": []}, "bad_message"),
        ({"type": "action", "seq": 1, "buttons": "left"}, "bad_message"),
        ({"type": "action", "seq": 1, "buttons": ["fly"]}, "bad_message"),
        ({"type": "action", "seq": 1, "buttons": [["up"]]}, "bad_message"),
        ({"type": "ack", "frame": "1"}, "bad_message"),
        ({"type": "ping", "pad": "x" * 2000}, "too_large"),
    ],
)
def test_bad_messages_get_their_protocol_code(message, code):
    with pytest.raises(BadMessage) as info:
        parse(message)
    assert info.value.code == code
