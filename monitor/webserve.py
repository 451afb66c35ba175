"""Start an aiohttp application on a TCP port (0: the OS picks one) and tell which port it got.

One helper for every HTTP server Vigie runs: the daemon's /metrics and API, the demo's peers, the
test peers.
"""

from __future__ import annotations

import ssl

from aiohttp import web


async def serve(app: web.Application, *, host: str = "127.0.0.1", port: int = 0,
                ssl_context: ssl.SSLContext | None = None, **runner_options: object
                ) -> tuple[web.AppRunner, int]:
    """The started runner (``await runner.cleanup()`` stops it) and its bound port."""
    runner = web.AppRunner(app, **runner_options)  # type: ignore[arg-type]
    await runner.setup()
    await web.TCPSite(runner, host, port, ssl_context=ssl_context).start()
    return runner, runner.addresses[0][1]
