#!/usr/bin/env python3
"""A telephony client of door_to_door_crm's call-centre API, for a PBX
administrator to adapt. Standard library only (Python 3.8+).

It talks XML-RPC to Odoo with the API key of the telephony's user (a user of
the role "Call-centre"; see the addon's README, "The call-centre's API key"):

    export ODOO_URL=https://crm.example.com ODOO_DB=crm
    export ODOO_LOGIN=telephony ODOO_API_KEY=<the key>

    # who calls? the cards of the number, best first
    telephony_client.py lookup "8 (977) 444-86-44"
    # a call rings at an operator: their open web client shows the caller's card
    telephony_client.py ring "+7 977 444 86 44" --operator d2d.callcenter --call-id 1700000000.42
    # at hangup: log the call (a call id already logged is not logged twice)
    telephony_client.py log "+79774448644" --call-id 1700000000.42 --operator d2d.callcenter \
        --direction in --duration 95 --result answered --note "Asked about the tariff"
    # the quality call of a lead: connected, or not (with the reason)
    telephony_client.py quality 42 --ok
    telephony_client.py quality 42 --not-connected --note "No signal since the installation"

Each command prints its answer as JSON on stdout; an error is printed on
stderr with exit code 1 (2 for a wrong command line). --timeout (seconds,
default 5) bounds every call: a PBX must not wait on a slow server.
"""

import argparse
import json
import os
import sys
import xmlrpc.client

RESULTS = ("answered", "no_answer", "busy", "failed")


class TimeoutTransport(xmlrpc.client.SafeTransport):
    """XML-RPC over HTTP or HTTPS with a timeout on every connection."""

    def __init__(self, timeout, secure):
        super().__init__()
        self.timeout = timeout
        self.secure = secure

    def make_connection(self, host):
        if self.secure:
            connection = super().make_connection(host)
        else:
            connection = xmlrpc.client.Transport.make_connection(self, host)
        connection.timeout = self.timeout
        return connection


class CallCentre:
    """The four methods of the model d2d.callcenter."""

    def __init__(self, url, db, login, key, timeout=5.0):
        url = url.rstrip("/")
        transport = TimeoutTransport(timeout, secure=url.startswith("https://"))
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", transport=transport, allow_none=True)
        self.uid = common.authenticate(db, login, key, {})
        if not self.uid:
            raise PermissionError(f"Odoo refused the login {login!r} with this API key")
        self.db, self.key = db, key
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", transport=transport, allow_none=True)

    def _call(self, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.key, "d2d.callcenter", method, list(args), kwargs)

    def lookup(self, phone):
        return self._call("lookup", phone)

    def incoming_call(self, phone, operator_login, call_id=None):
        return self._call("incoming_call", phone, operator_login, call_id=call_id)

    def log_call(self, phone, direction, duration, result, note, call_id=None, operator_login=None):
        return self._call(
            "log_call", phone, direction, duration, result, note, call_id=call_id, operator_login=operator_login
        )

    def quality_call(self, lead_id, ok, note=None):
        return self._call("quality_call", lead_id, ok, note)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ODOO_URL", "http://localhost:8069"))
    parser.add_argument("--db", default=os.environ.get("ODOO_DB"))
    parser.add_argument("--login", default=os.environ.get("ODOO_LOGIN"))
    parser.add_argument("--key", default=os.environ.get("ODOO_API_KEY"), help="API key (better in ODOO_API_KEY)")
    parser.add_argument("--timeout", type=float, default=5.0)
    commands = parser.add_subparsers(dest="command", required=True)

    lookup = commands.add_parser("lookup", help="the cards of a phone number")
    lookup.add_argument("phone")

    ring = commands.add_parser("ring", help="screen pop: show the caller's card to an operator")
    ring.add_argument("phone")
    ring.add_argument("--operator", required=True, help="the operator's Odoo login")
    ring.add_argument("--call-id")

    log = commands.add_parser("log", help="log a call at hangup")
    log.add_argument("phone")
    log.add_argument("--direction", choices=("in", "out"), default="in")
    log.add_argument("--duration", type=int, default=0, help="talk seconds")
    log.add_argument("--result", choices=RESULTS, default="answered")
    log.add_argument("--note", default="")
    log.add_argument("--call-id")
    log.add_argument("--operator", help="the operator's Odoo login")

    quality = commands.add_parser("quality", help="the quality call of a lead")
    quality.add_argument("lead_id", type=int)
    outcome = quality.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--ok", action="store_true", help="the client is connected")
    outcome.add_argument("--not-connected", action="store_true", help="the client is not connected (give --note)")
    quality.add_argument("--note", default="")

    args = parser.parse_args(argv)
    missing = [name for name in ("db", "login", "key") if not getattr(args, name)]
    if missing:
        parser.error(f"missing {', '.join(missing)} (options or ODOO_DB, ODOO_LOGIN, ODOO_API_KEY)")
    return args


def run(args):
    centre = CallCentre(args.url, args.db, args.login, args.key, timeout=args.timeout)
    if args.command == "lookup":
        return centre.lookup(args.phone)
    if args.command == "ring":
        return centre.incoming_call(args.phone, args.operator, call_id=args.call_id)
    if args.command == "log":
        return centre.log_call(
            args.phone,
            args.direction,
            args.duration,
            args.result,
            args.note,
            call_id=args.call_id,
            operator_login=args.operator,
        )
    return centre.quality_call(args.lead_id, args.ok, args.note)


def main(argv=None):
    args = parse_args(argv)
    try:
        answer = run(args)
    except xmlrpc.client.Fault as fault:
        # Odoo's message is the last line of the fault string
        print(f"refused: {fault.faultString.strip().splitlines()[-1]}", file=sys.stderr)
        return 1
    except (OSError, PermissionError, xmlrpc.client.ProtocolError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    json.dump(answer, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
