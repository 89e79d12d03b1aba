"""Validation of what a browser sends on the play socket (docs/protocol.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from inference.actions import UnknownButton, buttons_from_names

MAX_SEQ = 2**32 - 1


class BadMessage(ValueError):
    """A client message the server rejects; `code` is the protocol's error code."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class ActionMessage:
    seq: int
    buttons: int


@dataclass(frozen=True)
class AckMessage:
    frame: int


@dataclass(frozen=True)
class PingMessage:
    t: object


@dataclass(frozen=True)
class RemixMomentMessage:
    """Capture the current state of the world to remix from ("remix from this moment")."""


@dataclass(frozen=True)
class ReportMessage:
    """Report the world being played; the server attaches the frames it sent in the last 10 s."""

    reason: str
    details: str


ClientMessage = ActionMessage | AckMessage | PingMessage | RemixMomentMessage | ReportMessage


def parse_client_message(text: str, *, max_bytes: int) -> ClientMessage:
    """Parse one text message or raise BadMessage with the protocol error code."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise BadMessage("too_large", f"messages are at most {max_bytes} bytes")
    try:
        message = json.loads(text)
    except ValueError:
        raise BadMessage("bad_json", "message is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("bad_message", "message must be a JSON object")
    kind = message.get("type")
    if kind == "action":
        seq, names = message.get("seq"), message.get("buttons")
        if not _is_seq(seq):
            raise BadMessage("bad_message", "action.seq must be an integer from 1 to 2^32-1")
        if not isinstance(names, list) or len(names) > 5:
            raise BadMessage("bad_message", "action.buttons must be a list of button names")
        try:
            return ActionMessage(seq=seq, buttons=buttons_from_names(names))
        except UnknownButton as error:
            raise BadMessage("bad_message", str(error)) from None
    if kind == "ack":
        frame = message.get("frame")
        if not _is_seq(frame):
            raise BadMessage("bad_message", "ack.frame must be a frame sequence number")
        return AckMessage(frame=frame)
    if kind == "ping":
        return PingMessage(t=message.get("t"))
    if kind == "remix_moment":
        return RemixMomentMessage()
    if kind == "report":
        reason, details = message.get("reason"), message.get("details", "")
        if not isinstance(reason, str) or not isinstance(details, str):
            raise BadMessage("report_invalid", "report.reason and report.details must be strings")
        return ReportMessage(reason=reason, details=details)
    raise BadMessage("bad_message", 'type must be "action", "ack", "ping", "remix_moment" or "report"')


def _is_seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SEQ
