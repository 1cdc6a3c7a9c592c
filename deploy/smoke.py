"""Smoke test of a running Spends Tracker over real HTTP: `python deploy/smoke.py http://127.0.0.1:8000 USER PASS`.

Used by `make prod-check` against gunicorn with DEBUG off. Exits non-zero on the first failed check.
"""

import json
import re
import sys
import urllib.error
import urllib.request


def request(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def check(name, condition, detail=""):
    print(f"  {'ok  ' if condition else 'FAIL'} {name}" + (f" ({detail})" if detail and not condition else ""))
    if not condition:
        sys.exit(1)


def main(base, username, password):
    print(f"Smoke test against {base}")
    status, headers, body = request("GET", f"{base}/api/health")
    check("health is 200 with the database ok", status == 200 and json.loads(body)["database"] == "ok", body)
    check("responses carry a request id", "X-Request-ID" in headers or "X-Request-Id" in headers)

    credentials = {"username": username, "password": password, "name": "smoke"}
    status, _, body = request("POST", f"{base}/api/auth/token", credentials)
    check("token for the smoke user", status == 200, body)
    key = json.loads(body)["token"]
    auth = {"Authorization": f"Token {key}"}
    status, _, body = request("GET", f"{base}/api/auth/tokens", headers=auth)
    names = [token["name"] for token in json.loads(body)["items"]] if status == 200 else []
    check("the token is listed, without its key", names == ["smoke"] and key.encode() not in body, body)

    purchase = {"product_name": "Smoke Kettle", "price": "49.90", "purchase_date": "2025-03-01"}
    status, _, body = request("POST", f"{base}/api/purchases", purchase, auth)
    check("create a purchase", status == 201 and json.loads(body)["price"] == "49.90", body)
    status, _, body = request("GET", f"{base}/api/purchases?search=smoke", headers=auth)
    check("list finds it", status == 200 and json.loads(body)["total"] == 1, body)
    pid = json.loads(body)["items"][0]["id"]
    status, _, body = request("GET", f"{base}/api/export/csv?search=smoke", headers=auth)
    lines = body.decode("utf-8-sig").splitlines() if status == 200 else []
    check("CSV export streams the header and the purchase", len(lines) == 2 and "Smoke Kettle" in lines[1], body[:300])
    status, _, body = request("GET", f"{base}/api/purchases/{pid}", headers=auth)
    check("detail after the export (its connection is free again)", status == 200, body)

    status, _, body = request("GET", f"{base}/api/nope", headers=auth)
    check("unknown API path is a JSON 404", status == 404 and json.loads(body)["code"] == "not_found", body)
    status, _, body = request("GET", f"{base}/api/purchases")
    check("anonymous is a JSON 401", status == 401 and json.loads(body)["code"] == "not_authenticated", body)

    status, _, body = request("GET", f"{base}/api/docs")
    check("Swagger UI page", status == 200 and b"swagger" in body.lower(), status)
    assets = re.findall(rb'(/static/[^"\']+\.(?:js|css))', body)
    check("docs reference local static assets", bool(assets))
    for asset in assets:
        status, headers, _ = request("GET", base + asset.decode())
        check(f"static file {asset.decode()}", status == 200, status)

    status, _, body = request("GET", f"{base}/admin/login/")
    check("admin login page", status == 200 and b"csrfmiddlewaretoken" in body, status)
    css = re.findall(rb'href="(/static/admin/css/[^"]+)"', body)
    check("admin CSS is served", bool(css) and request("GET", base + css[0].decode())[0] == 200)
    print("Smoke test passed")


if __name__ == "__main__":
    main(*sys.argv[1:4])
