"""Shared helpers of the benchmark scripts: an Odoo environment on the bench
database inside a transaction that is always rolled back, and timing."""

import argparse
import contextlib
import statistics
import time

import odoo
from odoo import api
from odoo.modules.registry import Registry


def parse_args(description, **extra):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--rounds", type=int, default=3, help="measure each side this many times, keep the median")
    for name, options in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", **options)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    return args


@contextlib.contextmanager
def rolled_back_env(database, uid=odoo.SUPERUSER_ID, context=None):
    """An environment whose every change is rolled back at the end."""
    registry = Registry(database)
    with registry.cursor() as cr:
        try:
            yield api.Environment(cr, uid, context or {})
        finally:
            cr.rollback()


@contextlib.contextmanager
def savepoint(env):
    """Roll back what the block did, keep the transaction."""
    env.flush_all()
    with contextlib.suppress(_Rollback), env.cr.savepoint():
        yield
        env.flush_all()
        raise _Rollback
    env.invalidate_all()


class _Rollback(Exception):
    pass


def timed(func, *args):
    """(seconds, result) of func(*args)."""
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def median(values):
    return statistics.median(values)
