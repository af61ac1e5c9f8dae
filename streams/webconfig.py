"""TLS and basic auth for cspulse's HTTP endpoints (/metrics, the wallboard and its API).

Configured by one file in the format of Prometheus' own `--web.config.file` (the
exporter-toolkit format every Prometheus exporter reads), so the file that secures a
node_exporter secures a cspulse worker too:

    tls_server_config:
      cert_file: server.crt   # PEM; a relative path is relative to this file
      key_file: server.key
    basic_auth_users:
      prometheus: $2b$12$...  # bcrypt hashes, e.g. `htpasswd -nBC 12 "" | tr -d ':\\n'`

Either part may be left out. The format's other keys (client certificates, cipher
suites, HTTP headers) are refused by name, never silently ignored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bcrypt
import yaml

if TYPE_CHECKING:
    from aiohttp import web

TLS_KEYS = frozenset({"cert_file", "key_file"})
# A bcrypt check costs tens of milliseconds: remember credentials already accepted (by a
# digest, never the password), as the exporter-toolkit does, for scrapes every few seconds.
_ACCEPTED_LIMIT = 64


@cache
def _dummy_hash() -> bytes:
    """Checked when the user is unknown, so that the answer takes as long as for a known one."""
    return bcrypt.hashpw(b"cspulse", bcrypt.gensalt(rounds=10))


@dataclass(frozen=True)
class WebConfig:
    cert_file: Path | None = None
    key_file: Path | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    _accepted: set[bytes] = field(default_factory=set, compare=False, repr=False)

    @property
    def tls(self) -> bool:
        return self.cert_file is not None

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server side of TLS, or None for plain HTTP."""
        if self.cert_file is None or self.key_file is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header passes; always True without basic_auth_users."""
        if not self.users:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, sep, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if not sep:
            return False
        digest = hashlib.sha256(f"{user}\0{password}".encode()).digest()
        if digest in self._accepted:
            return True
        ok = bcrypt.checkpw(password.encode(), self.users.get(user) or _dummy_hash()) and user in self.users
        if ok:
            if len(self._accepted) >= _ACCEPTED_LIMIT:
                self._accepted.clear()
            self._accepted.add(digest)
        return ok


Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


def auth_middleware(config: WebConfig) -> Any:
    """An aiohttp middleware answering 401 to a request without valid credentials. The
    bcrypt check runs in a thread (bcrypt releases the GIL), so a stream of wrong passwords
    costs CPU but never stalls the event loop: the worker's batches or the wallboard's."""
    from aiohttp import web

    @web.middleware
    async def basic_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not await asyncio.to_thread(config.authorized, request.headers.get("Authorization")):
            return web.Response(
                status=401, text="Unauthorized\n", headers={"WWW-Authenticate": 'Basic realm="cspulse"'}
            )
        return await handler(request)

    return basic_auth


def load_web_config(path: str | Path) -> WebConfig:
    """The file parsed and checked (certificate and key loaded, hashes bcrypt); a
    ValueError saying what is wrong otherwise."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path} is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping with tls_server_config and/or basic_auth_users")
    unknown = sorted(set(doc) - {"tls_server_config", "basic_auth_users"})
    if unknown:
        raise ValueError(f"{path}: not supported by cspulse: {', '.join(map(str, unknown))}")
    cert, key = _tls(path, doc.get("tls_server_config"))
    config = WebConfig(cert, key, _users(path, doc.get("basic_auth_users")))
    try:
        config.ssl_context()
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ValueError(f"{path}: cannot load cert_file/key_file ({reason})") from None
    return config


def _tls(path: Path, tls: Any) -> tuple[Path | None, Path | None]:
    if tls is None:
        return None, None
    if not isinstance(tls, dict) or set(tls) - TLS_KEYS or not all(tls.get(k) for k in TLS_KEYS):
        extra = sorted(set(tls) - TLS_KEYS) if isinstance(tls, dict) else []
        note = f" (not supported: {', '.join(extra)})" if extra else ""
        raise ValueError(f"{path}: tls_server_config needs exactly cert_file and key_file{note}")
    return path.parent / str(tls["cert_file"]), path.parent / str(tls["key_file"])


def _users(path: Path, users: Any) -> dict[str, bytes]:
    if users is None:
        return {}
    if not isinstance(users, dict) or not users:
        raise ValueError(f"{path}: basic_auth_users must map user names to bcrypt hashes")
    out = {}
    for user, hashed in users.items():
        if not isinstance(hashed, str) or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise ValueError(f"{path}: basic_auth_users[{user}] is not a bcrypt hash")
        out[str(user)] = hashed.encode()
    return out
