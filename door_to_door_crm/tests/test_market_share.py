import json
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import D2dCommon


class MarketShareCommon(D2dCommon):
    """Territory A: house A (40 apartments) and house C (8); territory B:
    house B (36). Two competitors: Rival Telecom and Other Net."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["d2d.competitor"].create({"name": "Other Net", "color": 4})
        cls.house_c = cls.create_house(cls.territory_a, "Arbat St", "3", floors=2, per_floor=4)
        cls.now = fields.Datetime.now().replace(microsecond=0)

    def knock(self, house, number, result, hours_ago=1, competitor=None, at=None):
        agent = self.agent if house.territory_id == self.territory_a else self.agent_b
        values = {"visit_date": at or self.now - timedelta(hours=hours_ago)}
        if competitor:
            values["competitor_id"] = competitor.id
        return self.visit(self.apartment(house, number), result, user=agent, **values)

    def knock_current_market(self):
        for number in (1, 2, 3):
            self.knock(self.house_a, number, "client")
        for number in (4, 5, 6, 7):
            self.knock(self.house_a, number, "competitor", competitor=self.competitor)
        self.knock(self.house_a, 8, "competitor", competitor=self.other)
        self.knock(self.house_a, 9, "closed")
        self.knock(self.house_a, 10, "refusal")
        # a competitor's client won back: the latest visit counts
        self.knock(self.house_a, 11, "competitor", hours_ago=3, competitor=self.competitor)
        self.knock(self.house_a, 11, "client", hours_ago=2)
        self.knock(self.house_c, 1, "competitor", competitor=self.competitor)
        self.knock(self.house_c, 2, "competitor", competitor=self.competitor)
        self.knock(self.house_c, 3, "client")
        self.knock(self.house_b, 1, "competitor", competitor=self.other)

    def providers(self):
        """The rows of our company and of this test's competitors: a database
        upgraded with a city has competitors of its own, with a row (of 0
        apartments) in every house."""
        return ["|", ("is_ours", "=", True), ("competitor_id", "in", (self.competitor | self.other).ids)]

    def by_provider(self, rows):
        return {
            ("ours" if row.is_ours else row.competitor_id.name): (
                row.apartment_count,
                row.known_count,
                row.total_count,
                round(row.share_known, 2),
                round(row.share_total, 2),
            )
            for row in rows
        }


@tagged("post_install", "-at_install")
class TestMarketShare(MarketShareCommon):
    def test_shares_of_a_house(self):
        self.knock_current_market()
        rows = (
            self.env["d2d.market.share"]
            .with_user(self.manager)
            .search([("house_id", "=", self.house_a.id), *self.providers()])
        )
        self.assertEqual(
            self.by_provider(rows),
            {
                "ours": (4, 9, 40, round(400 / 9, 2), 10.0),
                "Rival Telecom": (4, 9, 40, round(400 / 9, 2), 10.0),
                "Other Net": (1, 9, 40, round(100 / 9, 2), 2.5),
            },
        )
        ours = rows.filtered("is_ours")
        self.assertEqual(ours.provider, self.env["res.company"].search([], order="id", limit=1).name)

    def test_shares_of_a_territory_are_ratios_of_its_sums(self):
        self.knock_current_market()
        groups = (
            self.env["d2d.market.share"]
            .with_user(self.supervisor)
            ._read_group(
                self.providers(),
                ["territory_id", "provider"],
                ["apartment_count:sum", "share_known:avg", "share_total:avg"],
            )
        )
        shares = {provider: (count, round(known, 2), round(total, 2)) for _t, provider, count, known, total in groups}
        self.assertEqual({territory for territory, *_rest in groups}, {self.territory_a})
        self.assertEqual(
            shares,
            {
                self.env["res.company"].search([], order="id", limit=1).name: (
                    5,
                    round(500 / 12, 2),
                    round(500 / 48, 2),
                ),
                "Rival Telecom": (6, 50.0, 12.5),
                "Other Net": (1, round(100 / 12, 2), round(100 / 48, 2)),
            },
        )

    def test_a_house_nobody_knocked_has_no_share(self):
        rows = self.env["d2d.market.share"].search([("house_id", "=", self.house_b.id), *self.providers()])
        self.assertEqual(len(rows), 3, "ours and both competitors")
        self.assertEqual(set(rows.mapped("apartment_count")), {0})
        self.assertEqual(set(rows.mapped("total_count")), {36})
        self.assertEqual(set(rows.mapped("share_known")), {0.0}, "no provider known: no share")

    def test_each_role_sees_its_territories(self):
        self.knock_current_market()
        Share = self.env["d2d.market.share"]
        houses = {
            user: set(Share.with_user(user).search([]).house_id)
            for user in (self.supervisor, self.supervisor_b, self.manager)
        }
        self.assertEqual(houses[self.supervisor], {self.house_a, self.house_c})
        self.assertEqual(houses[self.supervisor_b], {self.house_b})
        # the manager sees every house, an upgraded database's city too: this test's count
        ours = self.house_a | self.house_b | self.house_c
        self.assertEqual(houses[self.manager] & set(ours), set(ours))
        for user in (self.agent, self.coordinator, self.installer, self.callcenter, self.internal):
            for model in ("d2d.market.share", "d2d.market.share.month"):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])

    def test_competitor_colours_reach_the_house_map(self):
        self.knock_current_market()
        legend = self.house_a.with_user(self.supervisor).layout_map
        colours = {item["name"]: item["color"] for item in legend["competitors"]}
        self.assertEqual(colours, {"Rival Telecom": 0, "Other Net": 4})


@tagged("post_install", "-at_install")
class TestMarketTrend(MarketShareCommon):
    """The share at the end of each month, from the visit log."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("door_to_door_crm.visit_max_age_days", 0)
        cls.month0 = cls.now.replace(day=1, hour=0, minute=0, second=0)
        cls.month1 = cls.month0 - relativedelta(months=1)
        cls.month2 = cls.month0 - relativedelta(months=2)

    def trend(self, house, user=None):
        Month = self.env["d2d.market.share.month"]
        Month._cron_refresh()
        rows = Month.with_user(user or self.manager).search([("house_id", "=", house.id), *self.providers()])
        by_month = defaultdict(lambda: self.env["d2d.market.share.month"])
        for row in rows:
            by_month[fields.Date.to_string(row.month)] |= row
        return {
            month: {key: values[:2] for key, values in self.by_provider(by_month[month]).items()}
            for month in sorted(by_month)
        }

    def test_status_at_the_end_of_each_month(self):
        day = timedelta(days=9)
        self.knock(self.house_a, 1, "competitor", competitor=self.competitor, at=self.month2 + day)
        self.knock(self.house_a, 1, "client", at=self.month1 + day)
        self.knock(self.house_a, 2, "competitor", competitor=self.other, at=self.month2 + day)
        self.knock(self.house_a, 2, "closed", at=self.now - timedelta(minutes=1))
        self.knock(self.house_a, 3, "client", at=self.month1 + day)
        # the last of a month counts: a competitor gaining an apartment in month 1
        self.knock(self.house_a, 4, "client", at=self.month1 + day)
        self.knock(self.house_a, 4, "competitor", competitor=self.competitor, at=self.month1 + 2 * day)
        trend = self.trend(self.house_a)
        m0, m1, m2 = (fields.Date.to_string(month.date()) for month in (self.month0, self.month1, self.month2))
        self.assertEqual(list(trend), [m2, m1, m0])
        self.assertEqual(trend[m2], {"ours": (0, 2), "Rival Telecom": (1, 2), "Other Net": (1, 2)})
        self.assertEqual(trend[m1], {"ours": (2, 4), "Rival Telecom": (1, 4), "Other Net": (1, 4)})
        self.assertEqual(trend[m0], {"ours": (2, 3), "Rival Telecom": (1, 3), "Other Net": (0, 3)})

    def test_the_last_month_is_the_current_share(self):
        self.knock_current_market()
        self.knock(self.house_c, 4, "competitor", competitor=self.other, at=self.month2)
        trend = self.trend(self.house_c)
        current = self.env["d2d.market.share"].search([("house_id", "=", self.house_c.id), *self.providers()])
        self.assertEqual(
            trend[fields.Date.to_string(self.month0.date())],
            {key: values[:2] for key, values in self.by_provider(current).items()},
        )
        # house C's apartment 4 went to Other Net two months ago, and stayed
        self.assertEqual([months["Other Net"][0] for months in trend.values()], [1, 1, 1])

    def test_each_role_sees_its_territories(self):
        self.knock_current_market()
        self.env["d2d.market.share.month"]._cron_refresh()
        Month = self.env["d2d.market.share.month"]
        self.assertEqual(set(Month.with_user(self.supervisor).search([]).house_id), {self.house_a, self.house_c})
        self.assertEqual(set(Month.with_user(self.supervisor_b).search([]).house_id), {self.house_b})


@tagged("post_install", "-at_install")
class TestMarketShareHttp(HttpCase, MarketShareCommon):
    def test_a_supervisor_reads_the_pivot_over_http(self):
        self.knock_current_market()
        self.authenticate("test_supervisor", "test_supervisor")
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": "d2d.market.share",
                "method": "read_group",
                "args": [[], ["apartment_count:sum", "share_known:avg"], ["territory_id", "competitor_id"]],
                "kwargs": {"lazy": False},
            },
        }
        answer = self.url_open(
            "/web/dataset/call_kw/d2d.market.share/read_group",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        ).json()
        groups = answer["result"]
        self.assertEqual({group["territory_id"][0] for group in groups}, {self.territory_a.id})
        rival = next(g for g in groups if g["competitor_id"] and g["competitor_id"][0] == self.competitor.id)
        self.assertEqual((rival["apartment_count"], rival["share_known"]), (6, 50.0))
