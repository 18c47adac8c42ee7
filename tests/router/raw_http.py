"""Raw HTTP/1.1 over a socket, for requests aiohttp's client will not produce (header values that are
not UTF-8)."""
from __future__ import annotations

import asyncio


async def raw_request(host: str, port: int, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send `head` (request line and headers, no final CRLF) and `body`; returns status and body."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        length = f"Content-Length: {len(body)}\r\n".encode() if body else b""
        writer.write(head + b"\r\nHost: localhost\r\nConnection: close\r\n" + length + b"\r\n" + body)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]
