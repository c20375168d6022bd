"""Which names the preview answers to: a page elsewhere must not read it through a rebound name.

A web page on any site can make the browser send requests to 127.0.0.1 once its
own name resolves there (DNS rebinding); those requests carry the page's name in
`Host`, and the browser then lets the page read the answers as its own. The
preview therefore answers only its own names: localhost, 127.0.0.1, [::1] and the
`--host` value, with any port (a forwarded port keeps the name). When it listens
on every interface (`--host 0.0.0.0`), colleagues type the machine's address, so
any IP address is accepted too: a rebinding page always comes under a name, never
under an address. The reload socket also checks `Origin`, which browsers always
send on a websocket: it must be the page's own (same name and port as `Host`).
A client that sends no `Origin` (curl, a script) is not a browser page and is let in.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?", re.IGNORECASE)
_WILDCARDS = ("0.0.0.0", "::", "")
_LOCAL = ("localhost", "127.0.0.1", "[::1]")


def _name(host: str) -> str:
    """Return how `host` (an --host value) appears in a Host header: lower case, IPv6 in brackets."""
    host = host.strip().lower()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_address(name: str) -> bool:
    try:
        if name.startswith("["):
            ipaddress.IPv6Address(name[1:-1])
        else:
            ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    """The names one preview answers to."""

    def __init__(self, bound: str) -> None:
        self.names = {*_LOCAL, _name(bound)}
        self.any_address = bound.strip() in _WILDCARDS

    def allows_name(self, host: str) -> bool:
        """Return whether one Host value (name, optional port) is the preview's own."""
        match = _HOST.fullmatch(host.strip())
        if match is None:
            return False
        name = match.group(1).lower()
        return name in self.names or (self.any_address and _is_address(name))

    def allows(self, hosts: list[str]) -> bool:
        """Return whether a request's Host headers name the preview (none at all: not a browser, allowed)."""
        if not hosts:
            return True
        return len(hosts) == 1 and self.allows_name(hosts[0])

    def allows_origin(self, origin: str | None, host: str) -> bool:
        """Return whether a websocket's Origin is a page of the preview itself (none: not a browser, allowed)."""
        if origin is None:
            return True
        try:
            parts = urlsplit(origin.strip())
        except ValueError:
            return False
        return (parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()
                and self.allows_name(parts.netloc))
