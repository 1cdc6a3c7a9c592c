"""Assertions shared by the API tests."""


def assert_error(response, status, code, fields=None):
    """The contract's error body: {"detail", "code", "errors"?}; `fields` = the exact set of fields in `errors`
    (None: no `errors` key at all)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) <= {"detail", "code", "errors"}
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    if fields is None:
        assert "errors" not in body
    else:
        assert set(body["errors"]) == set(fields), body["errors"]
    return body
