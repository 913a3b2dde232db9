"""The suite's own checks, run in a small inner pytest: a test that reads the real data must be marked
realdata, and a test that drives Chromium must be marked browser, or the loops that leave them out
(`-m "not realdata"`, `./storewatch test --fast`) would still run them."""

from __future__ import annotations

import pytest

from tests.support.realdata import REALDATA

MARKERS_INI = """
[pytest]
markers =
    realdata: reads the real data
    browser: drives Chromium
"""


@pytest.mark.realdata
@pytest.mark.skipif(not (REALDATA / "README.md").exists(), reason=f"real data not present at {REALDATA}")
def test_reading_the_real_data_without_the_mark_fails(pytester: pytest.Pytester):
    pytester.makeini(MARKERS_INI)
    pytester.makeconftest('pytest_plugins = ["tests.support.realdata"]')
    pytester.makepyfile(
        """
        import pytest
        from tests.support.realdata import REALDATA

        def test_unmarked_read():
            (REALDATA / "README.md").read_bytes()

        def test_unmarked_listing():
            list(REALDATA.iterdir())

        @pytest.mark.realdata
        def test_marked_read():
            (REALDATA / "README.md").read_bytes()

        def test_no_real_data():
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_unmarked_read reads */README.md (1 reads under *) but is not marked*realdata",
            "*test_unmarked_listing reads * but is not marked*realdata",
        ]
    )


def test_using_the_browser_without_the_mark_stops_the_run(pytester: pytest.Pytester):
    pytester.makeini(MARKERS_INI)
    pytester.makeconftest('pytest_plugins = ["tests.support.browser"]')
    pytester.makepyfile(
        """
        import pytest

        def test_unmarked(browser):
            pass

        @pytest.mark.browser
        def test_marked(browser):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*must be marked browser*::test_unmarked"])
    assert "::test_marked" not in result.stderr.str()
