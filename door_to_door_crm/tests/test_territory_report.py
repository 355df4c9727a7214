import time
from datetime import timedelta

from lxml import html as lxml_html

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import D2dLeadCommon

REPORT = "door_to_door_crm.action_report_d2d_territory"
REPORT_NAME = "door_to_door_crm.report_d2d_territory"


@tagged("post_install", "-at_install")
class TestTerritoryReport(HttpCase, D2dLeadCommon):
    """The territory report as a supervisor prints it: its figures against the
    knocks and leads the test makes, the map of each house, the PDF that
    wkhtmltopdf makes of it, in the user's language, within their rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home_net = cls.env["d2d.competitor"].create({"name": "Home Net", "color": 4})
        cls.house_a2 = cls.create_house(cls.territory_a, "Baumana St", "3", entrances=1, floors=3, per_floor=2)

    def knock(self, house, number, result, user=None, **vals):
        return self.visit(self.apartment(house, number), result, user=user or self.agent, **vals)

    def make_history(self):
        """Ten apartments of house_a knocked (one of them twice), a lead
        connected, one lost, one open; house_b knocked in territory B."""
        earlier = fields.Datetime.now() - timedelta(hours=2)
        self.knock(self.house_a, 1, "closed")
        self.knock(self.house_a, 2, "competitor", competitor_id=self.competitor.id)
        self.knock(self.house_a, 3, "competitor", user=self.supervisor, competitor_id=self.competitor.id)
        self.knock(self.house_a, 4, "competitor", competitor_id=self.home_net.id)
        self.knock(self.house_a, 5, "refusal")
        self.knock(self.house_a, 6, "pensioner")
        self.knock(self.house_a, 7, "client")
        self.knock(self.house_a, 8, "closed", visit_date=earlier)
        leads = [
            self.knock(self.house_a, number, "lead", phone=f"+791612345{number:02d}", contact_name="Client").lead_id
            for number in (8, 9, 10)
        ]
        self.walk(leads[1], "done")
        leads[2].with_user(self.supervisor).action_set_lost(lost_reason_id=self.lost_reason.id)
        self.visit(self.apartment(self.house_b, 1), "competitor", user=self.agent_b, competitor_id=self.home_net.id)
        self.env.flush_all()
        return leads

    def render(self, user, territories):
        self.env.invalidate_all()
        report = self.env["ir.actions.report"].with_user(user)
        content, kind = report._render_qweb_html(REPORT, territories.ids)
        self.assertEqual(kind, "html")
        return lxml_html.document_fromstring(content)

    @staticmethod
    def text(node):
        return " ".join(node.text_content().split())

    def house_section(self, page, house):
        (section,) = page.xpath(f"//div[hasclass('o_d2d_house')][@data-house-id='{house.id}']")
        return section

    def test_report_figures_per_house_and_summary(self):
        self.make_history()
        page = self.render(self.supervisor, self.territory_a)
        self.assertEqual(len(page.xpath("//div[hasclass('o_d2d_house')]")), 2, "the two houses of territory A")
        self.assertNotIn("Lenina", self.text(page), "nothing of territory B")

        section = self.house_section(page, self.house_a)
        self.assertIn("Visited 10 / 40 (25%)", self.text(section.xpath(".//*[hasclass('o_d2d_house_progress')]")[0]))
        self.assertEqual(self.text(section.xpath(".//*[hasclass('o_d2d_house_leads')]")[0]), "3")
        self.assertEqual(self.text(section.xpath(".//*[hasclass('o_d2d_house_connected')]")[0]), "1")
        results = {
            div.get("data-status"): self.text(div) for div in section.xpath(".//td[hasclass('o_d2d_results')]/div")
        }
        labels = dict(self.env["d2d.apartment"]._fields["status"]._description_selection(self.env))
        self.assertEqual(results["competitor"], f"{labels['competitor']}: 3")
        self.assertEqual(results["lead"], f"{labels['lead']}: 3")
        self.assertEqual(results["closed"], f"{labels['closed']}: 1")
        self.assertEqual(results["refusal"], f"{labels['refusal']}: 1")
        self.assertEqual(
            [self.text(div) for div in section.xpath(".//div[hasclass('o_d2d_competitor')]")],
            ["Rival Telecom: 2 (20%)", "Home Net: 1 (10%)"],
        )
        home_net = section.xpath(".//div[hasclass('o_d2d_competitor')]")[1]
        self.assertIn("background-color: #5794dd", home_net.xpath("span")[0].get("style"), "its colour (index 4)")
        self.assertEqual(
            [self.text(div) for div in section.xpath(".//div[hasclass('o_d2d_agent')]")],
            ["Agent A: 10", "Supervisor A: 1"],
        )

        # the map: every apartment in its entrance and floor, coloured by status, leads starred
        entrances = section.xpath(".//div[hasclass('o_d2d_grid_entrance')]")
        self.assertEqual(len(entrances), 2)
        cells = {self.text(td): td for td in section.xpath(".//td[hasclass('o_d2d_grid_cell')]")}
        self.assertEqual(len(cells), 40)
        self.assertEqual(cells["2"].get("data-status"), "competitor")
        self.assertIn("background-color: #fd7e14", cells["2"].get("style"))
        self.assertIn("background-color: #e9ecef", cells["11"].get("style"))
        self.assertEqual(cells["8*"].get("data-status"), "lead")
        top_floor = entrances[0].xpath(".//tr")[0]
        self.assertEqual([self.text(td) for td in top_floor.xpath("td")], ["5", "17", "18", "19", "20"])
        legend = section.xpath(".//*[hasclass('o_d2d_grid_legend')]/span[@data-status]")
        self.assertEqual(len(legend), 7)

        house_a2 = self.house_section(page, self.house_a2)
        self.assertIn("Visited 0 / 6 (0%)", self.text(house_a2))
        self.assertIn("Nobody knocked yet", self.text(house_a2))

        summary = page.xpath("//table[hasclass('o_d2d_summary')]")[0]
        self.assertEqual(self.text(summary.xpath(".//*[hasclass('o_d2d_summary_houses')]")[0]), "2")
        self.assertEqual(self.text(summary.xpath(".//*[hasclass('o_d2d_summary_progress')]")[0]), "10 / 46 (22%)")
        self.assertEqual(
            self.text(summary.xpath(".//*[hasclass('o_d2d_summary_leads')]")[0]),
            "3 (open 1, connected 1, lost 1)",
        )

    def test_supervisor_of_another_territory_is_refused(self):
        self.make_history()
        with self.assertRaises(AccessError) as cm:
            self.render(self.supervisor_b, self.territory_a)
        self.assertNotIn("Territory A", str(cm.exception))
        page = self.render(self.supervisor_b, self.territory_b)
        section = self.house_section(page, self.house_b)
        self.assertEqual(
            [self.text(div) for div in section.xpath(".//div[hasclass('o_d2d_competitor')]")], ["Home Net: 1 (100%)"]
        )
        self.assertNotIn("Baumana", self.text(page))
        for user in (self.agent, self.coordinator):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.render(user, self.territory_a)
        report = self.env.ref(REPORT)
        Actions = self.env["ir.actions.actions"]
        offered = {
            user: [binding["id"] for binding in Actions.with_user(user).get_bindings("d2d.territory").get("report", [])]
            for user in (self.agent, self.coordinator, self.supervisor)
        }
        self.assertNotIn(report.id, offered[self.agent], "agents are not offered the report")
        self.assertNotIn(report.id, offered[self.coordinator])
        self.assertIn(report.id, offered[self.supervisor])

    def test_russian_user_gets_a_russian_report(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["door_to_door_crm"], ["ru_RU"], overwrite=True)
        self.supervisor.lang = "ru_RU"
        self.make_history()
        # in process, with no language in the context: the user's own
        page = self.render(self.supervisor, self.territory_a)
        legend = self.house_section(page, self.house_a).xpath(".//*[hasclass('o_d2d_grid_legend')]")[0]
        self.assertIn("Не посещена", self.text(legend), "the statuses in Russian")
        self.assertNotIn("Not visited", self.text(legend))
        # as the web client opens it: the page says it is Russian
        self.authenticate(self.supervisor.login, self.supervisor.login)
        self.env.flush_all()
        response = self.url_open(f"/report/html/{REPORT_NAME}/{self.territory_a.id}")
        self.assertEqual(response.status_code, 200)
        page = lxml_html.document_fromstring(response.content)
        self.assertEqual(page.get("lang"), "ru-RU")
        self.assertIn("Не посещена", self.text(page))

    def test_report_over_http_and_pdf(self):
        """The report as the web client opens it (/report/html), and the PDF
        that wkhtmltopdf makes. The PDF is rendered in the test's process: over
        the test server, wkhtmltopdf's own requests for the report's assets
        wait for the test cursor that the report's request holds."""
        self.make_history()
        self.authenticate(self.supervisor.login, self.supervisor.login)
        self.env.flush_all()
        response = self.url_open(f"/report/html/{REPORT_NAME}/{self.territory_a.id}")
        self.assertEqual(response.status_code, 200)
        page = lxml_html.document_fromstring(response.content)
        self.assertIn("Visited 10 / 40 (25%)", self.text(self.house_section(page, self.house_a)))

        self.authenticate(self.supervisor_b.login, self.supervisor_b.login)
        refused = self.url_open(f"/report/html/{REPORT_NAME}/{self.territory_a.id}")
        self.assertNotEqual(refused.status_code, 200)
        self.assertNotIn(b"Baumana", refused.content)
        self.assertNotIn(b"Territory A", refused.content)

        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.supervisor)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.territory_a.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"), pdf[:200])
        self.assertGreater(len(pdf), 5000)

    def test_forty_houses_in_a_few_grouped_queries(self):
        territory = self.env["d2d.territory"].create(
            {"name": "Big", "code": "BIG", "supervisor_id": self.supervisor.id, "agent_ids": [(6, 0, self.agent.ids)]}
        )
        houses = self.env["d2d.house"].create(
            [
                {
                    "street": "Long St",
                    "house_number": str(number),
                    "territory_id": territory.id,
                    "entrance_count": 4,
                    "floor_count": 9,
                    "apartments_per_floor": 4,
                }
                for number in range(1, 41)
            ]
        )
        results = ["closed", "refusal", "pensioner", "client"]
        self.env["d2d.visit"].create(
            [
                {"apartment_id": apartment.id, "result": results[apartment.number % 4], "agent_id": self.agent.id}
                for apartment in houses.apartment_ids
                if apartment.number % 3 == 0
            ]
        )
        small = self.render(self.supervisor, self.territory_a)  # warm the templates
        self.assertTrue(small.xpath("//div[hasclass('o_d2d_house')]"))

        def queries_and_time(territories):
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            before, start = self.env.cr.sql_log_count, time.perf_counter()
            page = self.render(self.supervisor, territories)
            return page, self.env.cr.sql_log_count - before, time.perf_counter() - start

        __, small_queries, __ = queries_and_time(self.territory_a)
        page, big_queries, seconds = queries_and_time(territory)
        self.assertEqual(len(page.xpath("//div[hasclass('o_d2d_house')]")), 40)
        self.assertEqual(len(page.xpath("//td[hasclass('o_d2d_grid_cell')]")), 40 * 144)
        self.assertLessEqual(big_queries, small_queries + 10, "the queries do not grow with the houses")
        self.assertLess(seconds, 10)

        start = time.perf_counter()
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.supervisor)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, territory.ids)
        )
        pdf_seconds = time.perf_counter() - start
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        print(  # noqa: T201 -- bench figures, shown with pytest -s
            f"territory report, 40 houses / 5760 apartments: html {seconds:.2f}s in {big_queries} queries "
            f"(2 houses: {small_queries}), pdf {pdf_seconds:.2f}s, {len(pdf)} bytes"
        )
