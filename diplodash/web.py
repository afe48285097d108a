"""The web client every fetch goes through: requests with urllib3's retries (exponential backoff,
Retry-After honoured) on connection errors, timeouts and 429/5xx answers; a connect and a read
timeout; a size cap; a user agent that says who is asking; conditional GETs (ETag and
Last-Modified), so that a feed that has not changed costs one 304.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import __version__

USER_AGENT = f"DiploDash/{__version__} (tracks public statements of governments; one request at a time)"
MAX_BYTES = 20 * 1024 * 1024


class WebError(Exception):
    """A fetch that failed after its retries; the message says why, in a user's words."""


@dataclass
class WebResponse:
    url: str
    status: int               # 200, or 304 when a conditional GET found nothing new
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


class WebClient:
    def __init__(self, timeout: tuple[float, float] = (5.0, 20.0), retries: int = 3, backoff: float = 1.0,
                 max_bytes: int = MAX_BYTES):
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.timeout, self.max_bytes = timeout, max_bytes
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                      status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET", "HEAD"),
                      respect_retry_after_header=True, raise_on_status=False)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, HTTPAdapter(max_retries=retry))
        self._requests = requests

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> WebResponse:
        """GET `url`; with `etag` / `last_modified` from an earlier answer, a 304 comes back as such."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True) as response:
                if response.status_code == 304:
                    return WebResponse(url, 304, b"", etag=etag, last_modified=last_modified)
                if response.status_code >= 400:
                    raise WebError(f"HTTP {response.status_code} {response.reason or ''}".strip())
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise WebError(f"response larger than {self.max_bytes:,} bytes")
                return WebResponse(response.url, response.status_code, bytes(body),
                                   response.headers.get("Content-Type", ""), response.headers.get("ETag"),
                                   response.headers.get("Last-Modified"))
        except self._requests.exceptions.RetryError as error:
            raise WebError(f"still failing after retries ({_reason(error)})") from None
        except self._requests.exceptions.Timeout:
            raise WebError(f"timed out (connect {self.timeout[0]:g} s, read {self.timeout[1]:g} s)") from None
        except self._requests.exceptions.RequestException as error:
            raise WebError(f"cannot fetch ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    inner = error.args[0] if error.args else error
    reason = getattr(inner, "reason", None) or inner
    return str(reason)[:200]
