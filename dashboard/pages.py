"""The dashboard's pages, declared once: the app's navigation, the tests and the benchmark read them here.

Plain data without Streamlit, so the tests and the benchmark can list the pages without starting an app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DASHBOARD_DIR = Path(__file__).resolve().parent
APP_SCRIPT = DASHBOARD_DIR / "app.py"


@dataclass(frozen=True)
class Page:
    slug: str  # the URL path, and the script's name in app_pages/
    title_key: str  # dashboard/i18n.py key of the navigation title
    icon: str

    @property
    def script(self) -> str:
        """The page script relative to app.py, as st.Page and AppTest.switch_page take it."""
        return f"app_pages/{self.slug}.py"


PAGES: tuple[Page, ...] = (
    Page("overview", "nav_overview", ":material/insights:"),  # the first page is the default
    Page("store", "nav_store", ":material/storefront:"),
    Page("consistency", "nav_consistency", ":material/balance:"),
    Page("resolution", "nav_resolution", ":material/timer:"),
    Page("downloads", "nav_downloads", ":material/download:"),
    Page("methodology", "nav_methodology", ":material/menu_book:"),
)
PAGE_SLUGS: tuple[str, ...] = tuple(page.slug for page in PAGES)


def script(slug: str) -> str:
    """The script of the page at `slug`; an unknown slug raises KeyError."""
    return {page.slug: page for page in PAGES}[slug].script
