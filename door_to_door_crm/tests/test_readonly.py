"""Which routes and RPC methods of the addon may run on a read-only replica
(Odoo 18's `readonly=True` routes and `@api.readonly` methods, served by
`--db_replica_host` when the deployment has one): decided for each one here,
and listed in the README's operations section. A new route or public method
fails this test until it is decided. scripts/cluster-test proves on a real
replica that the read-only ones are served by it."""

import inspect

from odoo.tests import TransactionCase, tagged

# path: runs on the replica?
ROUTES = {
    "/d2d/agent": False,  # the tablet's page: a small read, left on the primary
    "/d2d/manifest.webmanifest": True,
    "/d2d/sw.js": True,  # the service worker's code, a static text
    "/d2d/agent/snapshot": True,  # the heaviest read of the morning
    "/d2d/agent/sync": False,  # records visits and moves
    "/d2d/agent/leaderboard": True,
    "/d2d/callcenter/lookup": True,
    "/d2d/callcenter/cid": True,
    "/d2d/callcenter/journal": False,  # records the call
}

# public methods (callable over RPC) that only read; every other public
# method of the addon writes, and runs on the primary
READONLY_METHODS = {
    ("d2d.callcenter", "lookup"),
    ("d2d.agent.stats", "get_leaderboard"),
}


def addon_public_methods(registry):
    """(model, method) of every public method the addon defines."""
    methods = set()
    for name, model_class in registry.items():
        for cls in model_class.mro():
            if not cls.__module__.startswith("odoo.addons.door_to_door_crm."):
                continue
            for attribute, value in vars(cls).items():
                if attribute.startswith("_") or not inspect.isfunction(value):
                    continue
                if attribute in model_class._fields:
                    continue
                methods.add((name, attribute))
    return methods


@tagged("post_install", "-at_install")
class TestReadOnlyRoutes(TransactionCase):
    def test_every_route_is_decided(self):
        IrHttp = self.env["ir.http"]
        modules = self.registry._init_modules
        routes = {
            url: endpoint.routing
            for url, endpoint in IrHttp._generate_routing_rules(modules, converters=IrHttp._get_converters())
            if url.startswith("/d2d")
        }
        self.assertEqual(set(routes), set(ROUTES), "a route of the addon is new or gone: decide it in ROUTES")
        for path, routing in routes.items():
            with self.subTest(path=path):
                readonly = routing.get("readonly", routing.get("auth") == "none")
                self.assertEqual(bool(readonly), ROUTES[path])

    def test_every_public_method_is_decided(self):
        methods = addon_public_methods(self.registry)
        self.assertTrue(READONLY_METHODS <= methods, READONLY_METHODS - methods)
        for model, method in sorted(methods):
            with self.subTest(model=model, method=method):
                function = getattr(self.registry[model], method)
                self.assertEqual(
                    bool(getattr(function, "_readonly", False)),
                    (model, method) in READONLY_METHODS,
                    f"{model}.{method}: on the replica only if it only reads (READONLY_METHODS)",
                )
