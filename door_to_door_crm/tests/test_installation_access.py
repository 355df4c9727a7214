import base64
import json
import xmlrpc.client

from odoo.tests import HttpCase, tagged

from .test_installation import D2dInstallationCommon

PASSPORT_DOMAIN = [("res_model", "=", "d2d.installation"), ("res_field", "=", "photo_passport")]


@tagged("post_install", "-at_install")
class TestInstallationOverHttp(HttpCase, D2dInstallationCommon):
    """What each role reaches of a job by the routes a real client takes:
    `/web/dataset/call_kw` and `/web/image` with a session, XML-RPC."""

    def setUp(self):
        super().setUp()
        # crew North's job of agent A's lead, reported connected: the lead
        # waits for its quality call, so the call-centre reads the job too
        self.job = self.book(self.ready_lead(), self.crew, self.at(0, 6), self.at(0, 8))
        self.job.with_user(self.installer).write(self.photos())
        self.job.with_user(self.installer).action_d2d_report(
            "connected", port="A-1", cable_mark_start=150, cable_mark_end=132.5
        )
        self.assertEqual(self.job.lead_id.d2d_stage_code, "quality")
        self.passport = self.job.sudo().photo_passport.decode()
        # crew South's job, of a client in the other territory
        foreign_lead = self.walk(self.knock_lead(self.house_b, name="Zinaida Foreign"), "coordination")
        foreign_lead.with_user(self.coordinator).write(
            {
                "d2d_passport": "4510 654321",
                "d2d_passport_issued": "MVD Moscow, 2016-01-01",
                "d2d_tariff_id": self.tariff.id,
            }
        )
        self.foreign_job = self.book(foreign_lead, self.crew_b, self.at(0, 6), self.at(0, 8))
        # exporting is a right of its own: given to all, so that the field is what refuses
        roles = self.installer | self.installer_b | self.coordinator | self.manager
        self.env.ref("base.group_allow_export").users |= roles | self.agent | self.supervisor | self.callcenter

    def call_kw(self, model, method, *args, **kwargs):
        """`/web/dataset/call_kw` in the session of the last `authenticate`:
        (result, error data)."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        response = self.url_open(
            "/web/dataset/call_kw", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        body = response.json()
        return body.get("result"), (body.get("error") or {}).get("data")

    def xmlrpc(self, user, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    # ------------------------------------------------------------------
    # derived values are the workflow's
    # ------------------------------------------------------------------

    def test_installer_cannot_write_derived_values(self):
        self.authenticate(self.installer.login, self.installer.login)
        before = self.job.read(["name", "cable_length"])
        for vals in ({"cable_length": 1.0}, {"name": "Forged job"}):
            result, error = self.call_kw("d2d.installation", "write", self.job.ids, vals)
            self.assertFalse(result)
            self.assertEqual(error["name"], "odoo.exceptions.UserError", error)
            self.assertIn("only through its buttons", error["message"])
        self.job.invalidate_recordset()
        self.assertEqual(self.job.read(["name", "cable_length"]), before, "nothing changed")
        self.assertEqual(self.job.cable_length, 17.5)

    # ------------------------------------------------------------------
    # refusals name nothing the caller may not see
    # ------------------------------------------------------------------

    def test_refusal_on_another_crews_job_names_nothing(self):
        lead = self.foreign_job.lead_id
        secrets = [lead.contact_name, lead.name, self.house_b.street, self.foreign_job.sudo().name, self.crew_b.name]
        for method, args, kwargs in (
            ("action_start", [], {}),
            ("action_d2d_report", ["not_connected"], {"reason": "not mine"}),
        ):
            with self.assertRaises(xmlrpc.client.Fault) as caught:
                self.xmlrpc(self.installer, "d2d.installation", method, self.foreign_job.ids, *args, **kwargs)
            message = caught.exception.faultString
            self.assertIn("another crew", message)
            for secret in secrets:
                self.assertNotIn(secret, message, f"{method} names {secret!r}")
        self.assertEqual(self.foreign_job.state, "planned")

    # ------------------------------------------------------------------
    # the passport photo
    # ------------------------------------------------------------------

    def passport_routes(self, user):
        """The routes that gave `user` the passport photo of the job."""
        self.authenticate(user.login, user.login)
        job_id = self.job.id
        routes = []
        image = self.url_open(f"/web/image/d2d.installation/{job_id}/photo_passport")
        if image.content == base64.b64decode(self.passport):
            routes.append("/web/image")
        reads = {
            "read": ("read", [[job_id], ["photo_passport"]], {}),
            "search_read": ("search_read", [[("id", "=", job_id)], ["photo_passport"]], {}),
            "web_read": ("web_read", [[job_id]], {"specification": {"photo_passport": {}}}),
            "web_search_read": ("web_search_read", [[("id", "=", job_id)]], {"specification": {"photo_passport": {}}}),
        }
        for route, (method, args, kwargs) in reads.items():
            result, _error = self.call_kw("d2d.installation", method, *args, **kwargs)
            if self.passport in json.dumps(result):
                routes.append(route)
        # export_data answers bytes, which only XML-RPC carries
        try:
            exported = self.xmlrpc(user, "d2d.installation", "export_data", [job_id], ["photo_passport"])
            value = exported["datas"][0][0]
        except xmlrpc.client.Fault:
            value = None
        if isinstance(value, xmlrpc.client.Binary):
            value = value.data.decode()
        if value == self.passport:
            routes.append("export_data")
        domain = [*PASSPORT_DOMAIN, ("res_id", "=", job_id)]
        attachment = self.env["ir.attachment"].sudo().search(domain)
        self.assertEqual(len(attachment), 1)
        for route, (method, args) in {
            "attachment search_read": ("search_read", [domain, ["datas"]]),
            "attachment read": ("read", [attachment.ids, ["datas"]]),
        }.items():
            result, _error = self.call_kw("ir.attachment", method, *args)
            if self.passport in json.dumps(result):
                routes.append(route)
        image = self.url_open(f"/web/image/{attachment.id}")
        if image.content == base64.b64decode(self.passport):
            routes.append("/web/image of the attachment")
        # the job's form opens for every role that reads jobs, with or without the photo
        _views, error = self.call_kw("d2d.installation", "get_views", [[False, "form"]])
        self.assertFalse(error, f"{user.login} opens the job's form")
        return routes

    def test_passport_photo_reaches_its_crew_the_coordinator_and_the_manager_only(self):
        every_route = [
            "/web/image",
            "read",
            "search_read",
            "web_read",
            "web_search_read",
            "export_data",
            "attachment search_read",
            "attachment read",
            "/web/image of the attachment",
        ]
        for user, expected in (
            (self.installer, every_route),
            (self.coordinator, every_route),
            (self.manager, every_route),
            (self.installer_b, []),
            (self.agent, []),
            (self.supervisor, []),
            (self.callcenter, []),
        ):
            with self.subTest(user=user.login):
                self.assertEqual(self.passport_routes(user), expected)

    def test_the_job_itself_stays_readable_without_the_photo(self):
        for user in (self.agent, self.supervisor, self.callcenter):
            self.authenticate(user.login, user.login)
            result, error = self.call_kw(
                "d2d.installation", "web_read", self.job.ids, specification={"state": {}, "photo_box": {}}
            )
            self.assertFalse(error, user.login)
            self.assertEqual(result[0]["state"], "done")

    # ------------------------------------------------------------------
    # resources: the crews' only
    # ------------------------------------------------------------------

    def test_coordinator_writes_crews_resources_only(self):
        room = self.env["resource.resource"].create({"name": "Meeting room", "resource_type": "material"})
        self.xmlrpc(self.coordinator, "resource.resource", "write", self.crew.resource_id.ids, {"time_efficiency": 90})
        self.assertEqual(self.crew.resource_id.time_efficiency, 90)
        someone = self.env["resource.resource"].create({"name": "Installer B", "user_id": self.installer_b.id})
        for record in (room, someone):
            with self.assertRaises(xmlrpc.client.Fault):
                self.xmlrpc(self.coordinator, "resource.resource", "write", record.ids, {"time_efficiency": 10})
        self.assertEqual((room.time_efficiency, someone.time_efficiency), (100, 100), "nothing changed")
        crew = self.xmlrpc(
            self.coordinator,
            "d2d.crew",
            "create",
            {"name": "Crew West", "leader_id": self.installer_b.id, "member_ids": [(6, 0, self.installer_b.ids)]},
        )
        self.assertTrue(self.env["d2d.crew"].browse(crew).resource_id, "a coordinator still creates crews")
