"""Text formats Kith writes for other programs: the one rule for folding their content lines."""

from __future__ import annotations

# RFC 5545 (iCalendar, 3.1) and RFC 6350 (vCard, 3.2): lines of at most 75 octets, line break excluded.
CONTENT_LINE_OCTETS = 75


def content_line_fold(line: str, limit: int = CONTENT_LINE_OCTETS) -> str:
    """One content line folded into lines of at most `limit` octets, CRLF between them and each
    continuation starting with a space (which counts towards its octets), cut only between characters so
    that no UTF-8 sequence is split."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n".join(parts)
