"""Helpers shared by the browser stories."""


def htmx_ready(page):
    """Wait until the page now shown has finished loading, so htmx (a deferred script) has wired up its elements.

    A click that lands earlier falls back to the plain link or form, which works but is not what the story tests;
    on a button that only htmx drives (type=button) it would be lost. Call it after a web-first assertion that the
    new page is there, never straight after a click that navigates: the old page has loaded already."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
