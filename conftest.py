"""pytest glue for the Odoo test cases of door_to_door_crm.

Odoo's own runner fails a test that logs an error; pytest-odoo does not. This
restores that rule, so that an error logged by the server (a failed HTTP
request, a traceback in a tour) cannot hide behind a green test.
"""

import logging

import pytest

import odoo

# pytest-odoo imports Odoo's test framework before it turns the test mode on,
# which makes Odoo log a misleading "Importing test framework" error at every
# run. Import it here, in test mode, once.
odoo.tools.config["test_enable"] = True
import odoo.tests.common  # noqa: E402, F401

odoo.tools.config["test_enable"] = False


class _ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def odoo_errors_fail_the_test():
    collector = _ErrorCollector()
    collector.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("odoo")
    logger.addHandler(collector)
    yield
    logger.removeHandler(collector)
    if collector.records:
        pytest.fail(
            "Odoo logged errors during the test:\n" + "\n".join(collector.format(r) for r in collector.records),
            pytrace=False,
        )
