"""The webhook yardstick: a bare Starlette endpoint that reads the body and answers 200.

python -m bench.bare_http PORT
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def receive(request: Request) -> Response:
    await request.body()
    return JSONResponse({"received": True})


app = Starlette(routes=[Route("/api/v1/webhooks/stripe", receive, methods=["POST"])])


def main() -> None:
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
