"""The suite's root. Shared fixtures live in tests/support/ and are registered here (pytest reads
`pytest_plugins` only in the root conftest), so test modules take fixtures by name and import
nothing but plain helpers."""

pytest_plugins = [
    "pytester",  # the tests of the suite's own checks run a small inner pytest
    "tests.support.warehouses",
    "tests.support.disks",
    "tests.support.realdata",
    "tests.support.http_fixtures",
    "tests.support.dashboard_fixtures",
    "tests.support.hostile_web",
    "tests.support.browser",
]
