import logging
import re
from pathlib import Path

from odoo.tests import HttpCase, no_retry, tagged

from odoo.addons.web.tests.test_js import unit_test_error_checker

from .test_agent_app_browser import warm_up_statics

# The addon's hoot test files (in web.assets_unit_tests, see the manifest).
JS_TESTS = Path(__file__).parent.parent / "static" / "tests"
SUITE = "@door_to_door_crm"
RE_TEST = re.compile(r"^\s*test\(", re.MULTILINE)
RE_PASSED = re.compile(r"passed (\d+) tests")


def hoot_hash(name):
    """The id hoot gives a suite or test, as web/tests/test_js.py computes it."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestAgentAppJs(HttpCase):
    """The JavaScript unit tests (hoot) of the agent app's queue and merge
    rules, run in headless Chromium on /web/tests filtered to our suite.
    Fails when one fails, and when fewer tests ran than the files hold (a
    test skipped, `only` left behind, a file missing from the bundle)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warm_up_statics()

    @no_retry
    def test_agent_app_js_unit_tests(self):
        files = sorted(JS_TESTS.glob("**/*.test.js"))
        expected = sum(len(RE_TEST.findall(path.read_text())) for path in files)
        self.assertGreater(expected, 10, f"the hoot tests of {JS_TESTS} are found")
        browser_logger = self._logger.getChild("browser")
        lines, level = _Lines(), browser_logger.level
        browser_logger.addHandler(lines)
        browser_logger.setLevel(logging.INFO)  # hoot reports its count at INFO
        try:
            self.browser_js(
                f"/web/tests?headless&loglevel=1&timeout=15000&suite={hoot_hash(SUITE)}",
                "",
                "",
                login="admin",
                timeout=900,
                success_signal="[HOOT] test suite succeeded",
                error_checker=unit_test_error_checker,
            )
        finally:
            browser_logger.removeHandler(lines)
            browser_logger.setLevel(level)
        passed = [int(match[1]) for line in lines.lines for match in [RE_PASSED.search(line)] if match]
        self.assertEqual(passed, [expected], f"hoot ran every test of {', '.join(p.name for p in files)}")
