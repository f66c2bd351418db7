"""PDF from the product's own print pages (WeasyPrint).

WeasyPrint lays out HTML and CSS (the A4 print pages already carry `@page` rules) with Pango, so
Chinese text is shaped and embedded from the CJK fonts the project installs (`make browser`:
fonts-noto-cjk). It fetches nothing: every URL but `data:` is refused, so a page can neither
reach the network nor read files through the renderer.
"""
from __future__ import annotations


class FetchRefused(Exception):
    pass


def _fetch_nothing(url: str, *args, **kwargs):
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise FetchRefused(url)


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()
