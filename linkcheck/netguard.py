"""SSRF guard for the link checker: classify addresses, resolve names, connect only to checked addresses.

The guard works on *addresses*, after DNS resolution, never on the spelling of a host name: a URL such as
``http://2130706433/`` or ``http://[::ffff:127.0.0.1]/`` or a public name whose DNS answer is ``10.0.0.5``
is refused the same way as ``http://127.0.0.1/``. The connection is then opened to the very address that
was checked (the name is not resolved a second time), so a DNS answer that changes between the check and
the connection (DNS rebinding) cannot move the request to an internal address. TLS still verifies the
certificate against the host name (SNI and ``server_hostname`` come from the URL, not the address).

This plugs into httpx through its documented extension points: a custom httpcore network backend
(https://www.encode.io/httpcore/network-backends/, "Custom network backends ... handling non-standard
SSL or DNS requirements") inside a custom httpx transport (https://www.python-httpx.org/advanced/transports/).

The blocked ranges are listed explicitly (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890)
instead of relying on ``ipaddress``'s ``is_private``/``is_global`` flags, whose answers for several ranges
changed between Python patch releases (Python 3.11.7 misclassifies some of them).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import socket
import ssl
import typing
from collections.abc import Iterable, Sequence

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: IPv4 ranges that are never a public web server (IANA IPv4 Special-Purpose Address Registry).
BLOCKED_IPV4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "“this network” (RFC 791)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local (RFC 3927)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation (RFC 5737)"),
    ("192.31.196.0/24", "AS112 (RFC 7535)"),
    ("192.52.193.0/24", "AMT (RFC 7450)"),
    ("192.88.99.0/24", "6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("192.175.48.0/24", "direct delegation AS112 (RFC 7534)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation (RFC 5737)"),
    ("203.0.113.0/24", "documentation (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112), including broadcast"),
)

#: IPv6 ranges inside the global unicast block 2000::/3 that are still not public servers.
BLOCKED_IPV6_IN_GLOBAL: tuple[tuple[str, str], ...] = (
    ("2001::/23", "IETF protocol assignments, including Teredo 2001::/32 (RFC 2928, RFC 4380)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("2002::/16", "6to4 (RFC 3056)"),  # handled through the embedded IPv4 address, see below
    ("3fff::/20", "documentation (RFC 9637)"),
)

_V4 = tuple((ipaddress.IPv4Network(net), why) for net, why in BLOCKED_IPV4)
_V6 = tuple((ipaddress.IPv6Network(net), why) for net, why in BLOCKED_IPV6_IN_GLOBAL)
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")  # IPv4-mapped (RFC 4291 2.5.5.2)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


class GuardError(Exception):
    """Base of the errors the guarded network backend raises (never wrapped by httpx)."""


class AddressBlocked(GuardError):
    """The host resolved to an address the guard refuses (loopback, private, link-local, reserved...)."""

    def __init__(self, host: str, address: str, reason: str):
        self.host, self.address, self.reason = host, address, reason
        super().__init__(f"refused by the SSRF guard: {host} resolves to {address}, {reason}")


class HostNotFound(GuardError):
    """DNS has no address for the host name."""

    def __init__(self, host: str, detail: str = ""):
        self.host = host
        super().__init__(f"unknown host {host}" + (f" ({detail})" if detail else ""))


class ConnectionRefused(GuardError):
    """Every address of the host refused the TCP connection."""

    def __init__(self, host: str, port: int):
        super().__init__(f"connection refused by {host}:{port}")


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings such as ``"127.0.0.0/8"`` or ``"::1/128"``; raises ``ValueError`` on a bad one."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v and v.strip())


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, for the forms that carry one.

    IPv4-mapped ``::ffff:a.b.c.d`` (RFC 4291), NAT64 ``64:ff9b::a.b.c.d`` (RFC 6052) and 6to4
    ``2002:aabb:ccdd::`` (RFC 3056). Teredo (2001::/32) and the deprecated IPv4-compatible form ``::a.b.c.d``
    are blocked as a whole, so they are not decoded.
    Returns ``None`` for other addresses.
    """
    value = int(address)
    if address in _MAPPED or address in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def _in_allowed(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in allowed)


def address_block_reason(address: str | IPAddress, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Tell why the checker must not connect to ``address``, or ``None`` when it may.

    Args:
        address: an IPv4 or IPv6 address (a zone suffix such as ``%eth0`` is ignored).
        allowed: networks that are allowed anyway (``LINKCHECK_ALLOWED_NETWORKS``; tests allow loopback).
    Returns:
        A short English reason such as ``"loopback (RFC 1122)"``, or ``None`` for a public address.
    Raises:
        ValueError: ``address`` is not an IP address.
    """
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    if _in_allowed(address, allowed):
        return None
    if address.version == 4:
        for net, why in _V4:
            if address in net:
                return f"{why}, {net}"
        return None
    inner = embedded_ipv4(address)
    if inner is not None:
        if _in_allowed(inner, allowed):
            return None
        inner_reason = address_block_reason(inner)
        return f"embeds {inner}: {inner_reason}" if inner_reason else None
    if address == ipaddress.IPv6Address("::1"):
        return "loopback (RFC 4291), ::1/128"
    if address not in _GLOBAL_UNICAST:
        # Unspecified, IPv4-compatible, discard-only, ULA fc00::/7, link-local fe80::/10, site-local,
        # multicast ff00::/8 and every range IANA has not allocated for unicast.
        return "not global unicast (outside 2000::/3: unique-local, link-local, multicast or reserved)"
    for net, why in _V6:
        if address in net:
            return f"{why}, {net}"
    return None


class _Resolver:
    """Resolves and checks host names once per checker run (the answer is pinned for the run)."""

    def __init__(self, allowed: Sequence[IPNetwork]):
        self.allowed = tuple(allowed)
        self._cache: dict[tuple[str, int], list[str] | GuardError] = {}
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        """Addresses of ``host`` that passed the guard; raises :class:`AddressBlocked` or :class:`HostNotFound`.

        Concurrent requests for one host share a single lookup; a timeout is not cached.
        """
        key = (host, port)
        answer = self._cache.get(key)
        if answer is None and is_ip_literal(host):
            answer = self._cache[key] = self._check(
                host, [str(ipaddress.ip_address(host.strip("[]").split("%", 1)[0]))]
            )
        if answer is None:
            async with self._locks.setdefault(key, asyncio.Lock()):
                answer = self._cache.get(key)
                if answer is None:
                    try:
                        answer = await asyncio.wait_for(self._lookup(host, port), timeout)
                    except GuardError as exc:
                        answer = exc
                    self._cache[key] = answer
        if isinstance(answer, GuardError):
            raise answer.with_traceback(None)
        return answer

    async def _lookup(self, host: str, port: int) -> list[str]:
        try:
            # The system resolver in a worker thread (the same with asyncio's loop and uvloop's).
            infos = await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise HostNotFound(host, getattr(exc, "strerror", "") or str(exc)) from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise HostNotFound(host) from None
        answer = self._check(host, addresses)
        if isinstance(answer, GuardError):
            raise answer
        return answer

    def _check(self, host: str, addresses: list[str]) -> list[str] | GuardError:
        for address in addresses:
            # Refuse the name if ANY of its addresses is internal: a name that points inside is not a
            # public resource, and picking the "good" one would still reveal internal DNS data.
            reason = address_block_reason(address, self.allowed)
            if reason:
                return AddressBlocked(host, address, reason)
        return addresses


def is_ip_literal(host: str) -> bool:
    """True for an IPv4 or IPv6 address (brackets and a zone suffix allowed), False for a host name."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream on plain asyncio streams (lighter per call than the anyio backend).

    Exceptions follow httpcore's contract: timeouts become ``ReadTimeout``/``WriteTimeout``/``ConnectTimeout``,
    socket errors ``ReadError``/``WriteError``/``ConnectError`` (the ``OSError`` stays the ``__cause__``).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            if timeout is None:
                return await self._reader.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "read timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            if timeout is None:
                await self._writer.drain()
                return
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "write timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    async def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # An idle keep-alive connection that has data or EOF waiting was closed by the server.
            return self._writer.is_closing() or self._reader.at_eof() or bool(getattr(self._reader, "_buffer", b""))
        return None


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks and then connects to the checked address.

    ``connect_tcp`` receives the URL's host name (httpcore passes the origin host); it resolves it once
    per run, refuses internal addresses (:func:`address_block_reason`), and opens the TCP stream to the
    checked address itself. TLS is started later by httpcore with ``server_hostname`` set to the host name.
    """

    def __init__(self, allowed: Sequence[IPNetwork] = ()):
        self._resolver = _Resolver(allowed)

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        """Resolve ``host``, check every address, connect to the first one that answers.

        Raises :class:`HostNotFound`, :class:`AddressBlocked`, :class:`ConnectionRefused`,
        ``httpcore.ConnectTimeout`` or ``httpcore.ConnectError``.
        """
        addresses = await self._resolver.resolve(host, port, timeout)
        last: BaseException | None = None
        refused = 0
        for address in addresses:
            try:
                async with asyncio.timeout(timeout):
                    reader, writer = await asyncio.open_connection(
                        address, port, local_addr=(local_address, 0) if local_address else None
                    )
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(f"connecting to {host} ({address}) timed out") from exc
            except OSError as exc:
                last = exc
                refused += isinstance(exc, ConnectionRefusedError)
                continue
            sock = writer.get_extra_info("socket")
            if sock is not None:
                for option in socket_options or ():
                    sock.setsockopt(*option)
            return _AsyncioStream(reader, writer)
        if refused == len(addresses):
            raise ConnectionRefused(host, port) from last
        raise httpcore.ConnectError(f"cannot connect to {host}: {last}") from last

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        """Unix sockets are never a link target."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore uses this between connection attempts)."""
        await asyncio.sleep(seconds)


def _map_exception(exc: Exception) -> Exception:
    """Translate an httpcore exception to the matching public httpx exception (others unchanged)."""
    table: tuple[tuple[type[Exception], type[Exception]], ...] = (
        (httpcore.ConnectTimeout, httpx.ConnectTimeout),
        (httpcore.ReadTimeout, httpx.ReadTimeout),
        (httpcore.WriteTimeout, httpx.WriteTimeout),
        (httpcore.PoolTimeout, httpx.PoolTimeout),
        (httpcore.ConnectError, httpx.ConnectError),
        (httpcore.ReadError, httpx.ReadError),
        (httpcore.WriteError, httpx.WriteError),
        (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
        (httpcore.LocalProtocolError, httpx.LocalProtocolError),
        (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
        (httpcore.TimeoutException, httpx.TimeoutException),
        (httpcore.NetworkError, httpx.NetworkError),
        (httpcore.ProtocolError, httpx.ProtocolError),
    )
    for source, target in table:
        if isinstance(exc, source):
            return target(str(exc))
    return exc


class _ResponseStream(httpx.AsyncByteStream):
    """The body of a response; closing it hands the connection back to the transport."""

    def __init__(self, stream: typing.AsyncIterable[bytes], on_close: typing.Callable[[], typing.Awaitable[None]]):
        self._stream = stream
        self._on_close = on_close

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            mapped = _map_exception(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            await self._on_close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections go through :class:`GuardedNetworkBackend`.

    It speaks HTTP/1.1 with httpcore's public ``AsyncHTTP11Connection`` and keeps, per origin (scheme,
    host, port), a small stack of idle keep-alive connections. This replaces httpcore's general connection
    pool, whose per-request bookkeeping (locks, a scan of every connection for every queued request)
    costs more than the request itself when a run sends hundreds of HEAD requests to dozens of hosts.
    The checker's own limits (global and per host) bound how many connections exist.

    Args:
        allowed: networks exempt from the guard.
        max_connections: idle connections kept per origin (the checker's per-host concurrency).
        verify: verify TLS certificates (``True``) or not.
        keepalive_expiry: seconds an idle connection is kept.
    """

    def __init__(
        self, *, allowed: Sequence[IPNetwork] = (), max_connections: int = 4, verify: bool = True,
        keepalive_expiry: float = 5.0,
    ):  # fmt: skip
        self._verify = verify
        self._ssl_context: ssl.SSLContext | None = None  # built on first https origin (loading CAs takes ~30 ms)
        self._max_idle = max(1, max_connections)
        self._keepalive_expiry = keepalive_expiry
        self._backend = GuardedNetworkBackend(allowed)
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTP11Connection]] = {}
        self._open: set[httpcore.AsyncHTTP11Connection] = set()

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            context = httpx.create_ssl_context(verify=self._verify)
            if not self._verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return self._ssl_context

    async def _connect(self, key: tuple[bytes, bytes, int], timeout: float | None) -> httpcore.AsyncHTTP11Connection:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await self._discard(connection)
        scheme, host, port = key
        name = host.decode("ascii")
        stream = await self._backend.connect_tcp(name, port, timeout=timeout)
        if scheme == b"https":
            # SNI and certificate verification use the host name, while the socket is pinned to the checked address.
            stream = await stream.start_tls(self._tls_context(), server_hostname=name, timeout=timeout)
        connection = httpcore.AsyncHTTP11Connection(
            origin=httpcore.Origin(scheme, host, port), stream=stream, keepalive_expiry=self._keepalive_expiry
        )
        self._open.add(connection)
        return connection

    async def _discard(self, connection: httpcore.AsyncHTTP11Connection) -> None:
        self._open.discard(connection)
        with contextlib.suppress(Exception):  # closing a dead socket may fail; it is gone either way
            await connection.aclose()

    async def _release(self, key, connection: httpcore.AsyncHTTP11Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if connection.is_idle() and len(idle) < self._max_idle:
            idle.append(connection)
        else:
            await self._discard(connection)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a guarded connection. The ``target`` request extension, when set, is the exact
        request target sent on the wire (httpcore's documented ``target`` extension)."""
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.raw_scheme, url.raw_host, port)
        timeout = request.extensions.get("timeout", {}).get("connect")
        try:
            connection = await self._connect(key, timeout)
        except Exception as exc:
            mapped = _map_exception(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await connection.handle_async_request(core_request)
        except BaseException as exc:
            await self._discard(connection)
            if not isinstance(exc, Exception):
                raise
            mapped = _map_exception(exc)
            if mapped is exc:
                raise
            raise mapped from exc

        async def release() -> None:
            await self._release(key, connection)

        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, release),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        for connection in list(self._open):
            await self._discard(connection)
        self._idle.clear()
