"""What must never reach a page: template syntax printed as text, English developer sentences, outside hosts.

Used by the page crawl of the suite and by the browser stories (every page a story loads is checked)."""
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Template syntax that was not rendered: a multi-line {# #} comment, a broken tag or variable.
RAW_TEMPLATE = ("{#", "#}", "{%", "%}", "{{", "}}")
# Three or more Latin words in a row in a text with no Chinese: a sentence for developers, not for users (codes,
# numbers, units, e-mail addresses and product names like "Excel" are one or two words).
LATIN_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,}){2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Attributes a user reads (tooltips, placeholders, accessible names).
READ_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")
# Attributes that make the browser fetch (or the user follow) a URL.
URL_ATTRIBUTES = ("src", "href", "action", "srcset", "poster", "data", "formaction", "hx-get", "hx-post")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]+)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)", re.IGNORECASE)


class _Page(HTMLParser):
    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        for name, value in attrs:
            if value is None:
                continue
            if name in READ_ATTRIBUTES:
                self.texts.append(value)
            elif name in URL_ATTRIBUTES:
                self.urls.extend(value.split(",") if name == "srcset" else [value])
            elif name == "style":
                self.styles.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if self._skipping:
            if self.lasttag == "style":
                self.styles.append(data)
            return
        if data.strip():
            self.texts.append(" ".join(data.split()))


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def raw_text(html: str) -> list[str]:
    """Texts a user would read that are template syntax or English developer sentences."""
    return raw_among(parse(html).texts)


def raw_among(texts: Iterable[str], *, sentences: bool = True) -> list[str]:
    """The rule itself, on texts a user reads (text nodes, READ_ATTRIBUTES values): those that are template syntax
    or (unless `sentences` is False) English developer sentences. The browser stories apply it to the texts of each
    page as rendered."""
    found = []
    for text in texts:
        text = " ".join(text.split())
        if any(marker in text for marker in RAW_TEMPLATE):
            found.append(text)
        elif sentences and not CJK.search(text) and LATIN_SENTENCE.search(text):
            found.append(text)
    return found


def outside_urls(html: str, *, own_host: str = "testserver") -> list[str]:
    """URLs in the page (attributes, inline styles) that point to a host other than the app's own."""
    page = parse(html)
    urls = [u.strip().split(" ")[0] for u in page.urls]
    urls += [u for style in page.styles for u in CSS_URL.findall(style) + CSS_IMPORT.findall(style)]
    return [u for u in urls if is_outside(u, own_host)]


def css_outside_urls(css: str, *, own_host: str = "testserver") -> list[str]:
    """url(...) and @import targets of a stylesheet that point to another host."""
    return [u for u in CSS_URL.findall(css) + CSS_IMPORT.findall(css) if is_outside(u, own_host)]


def is_outside(url: str, own_host: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme in ("data", "blob", "javascript", "mailto", "tel", "about"):
        return False
    return bool(parts.netloc) and parts.hostname != own_host.split(":")[0]
