"""Fixtures for the API tests: a client that always returns the connection to the public schema.

A request to /t/<code>/... leaves the connection in that township's schema; the wrapper resets
it after every call so the test's own queries run where the test expects.
"""
from __future__ import annotations

import itertools
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

_addresses = itertools.count(1)


class Api:
    def __init__(self, client: APIClient):
        self.client = client

    def _call(self, method, path, data=None, **extra):
        try:
            return getattr(self.client, method)(path, data, format="json", **extra)
        finally:
            connection.set_schema_to_public()

    def get(self, path, params=None, **extra):
        try:
            return self.client.get(path, params, **extra)
        finally:
            connection.set_schema_to_public()

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, None, **extra)


@pytest.fixture
def api():
    """api(user=None, token=None) -> a client logged in by session (user) or by token.

    Each client has its own address, so the login throttle (keyed by address, kept in Redis)
    never carries over from another test or test run.
    """

    def _make(user=None, token=None):
        address = f"10.{uuid.uuid4().int % 250}.{next(_addresses) % 250}.{uuid.uuid4().int % 250 + 1}"
        client = APIClient(REMOTE_ADDR=address)
        if user is not None:
            client.force_login(user)
        if token is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return Api(client)

    return _make
