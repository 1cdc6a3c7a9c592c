"""The container's health check (Dockerfile HEALTHCHECK): GET /api/health on this node's own gunicorn.

Exit 0 when it answers 200 (the database answers; a cache outage still counts as healthy, since the app works
without it), 1 otherwise: Docker's "unhealthy". No curl needed in the image, and it runs the same outside Docker:
`python deploy/healthcheck.py` (tests/deploy runs it against a real gunicorn).

The port is GUNICORN_BIND's (gunicorn.conf.py, default 0.0.0.0:8000); HEALTHCHECK_URL overrides the whole URL.
"""

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4  # below the HEALTHCHECK's --timeout=5s, so a hung app is reported as unhealthy, not killed


def health_url(environ=os.environ) -> str:
    if environ.get("HEALTHCHECK_URL"):
        return environ["HEALTHCHECK_URL"]
    bind = environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")[0].strip()
    port = bind.rsplit(":", 1)[-1] if ":" in bind else "8000"
    return f"http://127.0.0.1:{port}/api/health"


def main() -> int:
    url = health_url()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (our own http URL)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:  # refused, timed out, DNS
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
