"""The client address of a request, the unit that login throttling and the /api/match budget
count per.

By default this is the address of the TCP peer; `X-Forwarded-For` is ignored, because any
visitor can send that header. Behind a reverse proxy (nginx, a load balancer) every request
seems to come from the proxy, so all visitors would share one budget. Then set

    PRAKTIJKWIJZER_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8"

(addresses or networks, separated by commas or spaces): only for a request whose peer is one
of these is `X-Forwarded-For` read, from right to left, skipping further trusted proxies;
the first address that is not a trusted proxy is the client. A value in the header that is
not an IP address ends the walk at the last trusted hop (the header cannot name an arbitrary
client). `PRAKTIJKWIJZER_TRUSTED_PROXIES=*` is refused: trusting everyone is trusting no one.
"""
from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

TRUSTED_ENV = "PRAKTIJKWIJZER_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxySettingError(ValueError):
    """PRAKTIJKWIJZER_TRUSTED_PROXIES cannot be read (Dutch message for the operator)."""


@lru_cache(maxsize=8)
def _parse(value: str) -> tuple[Network, ...]:
    nets = []
    for part in value.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(part.strip("[]"), strict=False))
        except ValueError:
            raise ProxySettingError(
                f"{TRUSTED_ENV} bevat '{part}', dat is geen IP-adres of netwerk (zoals 10.0.0.1 of 10.0.0.0/8). "
                "Geef alleen de adressen van uw eigen proxyservers, gescheiden door komma's.") from None
    return tuple(nets)


def trusted_proxies() -> tuple[Network, ...]:
    """The configured proxy networks (empty: no proxy is trusted). Raises ProxySettingError."""
    return _parse(os.environ.get(TRUSTED_ENV, ""))


def _ip(text: str):
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip


def _trusted(ip, nets: tuple[Network, ...]) -> bool:
    return ip is not None and any(ip.version == n.version and ip in n for n in nets)


def client_address(scope_or_request) -> str:
    """The client's address for this request (an ASGI scope or a Starlette Request)."""
    scope = getattr(scope_or_request, "scope", scope_or_request)
    peer = (scope.get("client") or ("", 0))[0] or ""
    nets = trusted_proxies()
    if not nets or not _trusted(_ip(peer), nets):
        return peer or "onbekend"
    hops = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops += [h.strip() for h in value.decode("latin-1").split(",")]
    client = peer
    for hop in reversed([h for h in hops if h]):
        ip = _ip(hop)
        if ip is None:
            break
        client = str(ip)
        if not _trusted(ip, nets):
            break
    return client
