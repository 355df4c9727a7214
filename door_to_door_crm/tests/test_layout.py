from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import D2dCommon


@tagged("post_install", "-at_install")
class TestHouseLayout(D2dCommon):
    def test_uniform_layout_generates_entrances_and_apartments(self):
        house = self.create_house(self.territory_a, "Pushkina St", "3", entrances=3, floors=9, per_floor=4)
        self.assertEqual(house.entrance_ids.mapped("number"), [1, 2, 3])
        self.assertEqual(house.apartment_count, 3 * 9 * 4)
        self.assertEqual(sorted(house.apartment_ids.mapped("number")), list(range(1, 109)))
        first, second = house.entrance_ids[:2]
        self.assertEqual((first.first_number, first.last_number), (1, 36))
        self.assertEqual((second.first_number, second.last_number), (37, 72))
        self.assertEqual(first.apartment_count, 36)
        # floors fill from the bottom: 4 per floor
        self.assertEqual(self.apartment(house, 1).floor, 1)
        self.assertEqual(self.apartment(house, 4).floor, 1)
        self.assertEqual(self.apartment(house, 5).floor, 2)
        self.assertEqual(self.apartment(house, 36).floor, 9)
        self.assertEqual(self.apartment(house, 37).entrance_id, second)
        self.assertEqual(self.apartment(house, 37).floor, 1)
        self.assertTrue(all(a.status == "none" for a in house.apartment_ids))

    def test_first_residential_floor_and_first_number(self):
        house = self.create_house(
            self.territory_a,
            "Pushkina St",
            "5",
            entrances=1,
            floors=16,
            per_floor=6,
            first_floor=2,
            first_apartment_number=10,
        )
        self.assertEqual(house.apartment_count, 15 * 6)
        self.assertEqual(min(house.apartment_ids.mapped("number")), 10)
        self.assertEqual(self.apartment(house, 10).floor, 2)
        self.assertEqual(self.apartment(house, 99).floor, 16)
        self.assertNotIn(1, house.apartment_ids.mapped("floor"))

    def test_regeneration_keeps_unchanged_apartments(self):
        house = self.house_a
        kept = self.apartment(house, 1)
        self.visit(kept, "refusal")
        house.entrance_count = 3
        self.assertEqual(house.apartment_count, 60)
        self.assertTrue(kept.exists())
        self.assertEqual(kept.status, "refusal")
        self.assertEqual(kept.visit_count, 1)
        house.entrance_count = 2
        self.assertEqual(house.apartment_count, 40)
        self.assertEqual(house.entrance_ids.mapped("number"), [1, 2])
        self.assertTrue(kept.exists())

    def test_more_floors_moves_apartments_and_keeps_their_visits(self):
        house = self.house_a  # 2 entrances x 5 floors x 4 = 40
        apartment_25 = self.apartment(house, 25)  # entrance 2, floor 2
        visit = self.visit(apartment_25, "lead", phone="+79161234567")
        house.floor_count = 6  # entrance 1 now holds 1-24, entrance 2 holds 25-48
        self.assertEqual(house.apartment_count, 48)
        self.assertEqual(apartment_25.entrance_id.number, 2)
        self.assertEqual(apartment_25.floor, 1)
        self.assertEqual(visit.apartment_id, apartment_25)
        self.assertEqual(self.apartment(house, 21).entrance_id.number, 1)
        self.assertEqual(self.apartment(house, 21).floor, 6)

    def test_removing_visited_apartment_is_refused(self):
        house = self.house_a
        self.visit(self.apartment(house, 40), "closed")
        before = self.counts()
        with self.assertRefused(ValidationError, "40"):
            house.entrance_count = 1
        self.assertEqual(self.counts(), before)
        self.assertEqual(house.entrance_count, 2)

    def test_removing_apartment_with_lead_is_refused(self):
        house = self.house_a
        lead = self.env["crm.lead"].create({"name": "Lead", "type": "opportunity"})
        self.apartment(house, 40).sudo().lead_id = lead
        with self.assertRaises(ValidationError):
            house.apartments_per_floor = 3

    def test_unvisited_apartments_are_removed(self):
        house = self.house_a
        house.apartments_per_floor = 3
        self.assertEqual(house.apartment_count, 30)
        self.assertEqual(sorted(house.apartment_ids.mapped("number")), list(range(1, 31)))

    def test_deleting_visited_house_is_refused(self):
        self.visit(self.apartment(self.house_a, 3))
        with self.assertRaises(ValidationError):
            self.house_a.unlink()
        empty = self.create_house(self.territory_a, "Pushkina St", "9")
        empty.unlink()
        self.assertFalse(empty.exists())

    def test_zero_or_negative_values_are_refused(self):
        before = self.counts()
        for field, value in (
            ("floor_count", 0),
            ("floor_count", -2),
            ("entrance_count", 0),
            ("apartments_per_floor", 0),
            ("first_apartment_number", 0),
            ("first_floor", 7),
        ):
            with self.subTest(field=field, value=value), self.assertRaises(ValidationError):
                self.create_house(self.territory_a, "Pushkina St", "11", **{field: value})
        self.assertEqual(self.counts(), before)

    def test_custom_layout_per_entrance(self):
        house = self.env["d2d.house"].create(
            {
                "street": "Kremlyovskaya St",
                "house_number": "2",
                "territory_id": self.territory_a.id,
                "layout_type": "custom",
                "entrance_ids": [
                    (
                        0,
                        0,
                        {"number": 1, "floor_count": 9, "first_number": 1, "last_number": 36, "intercom_code": "12K"},
                    ),
                    (0, 0, {"number": 2, "floor_count": 10, "first_floor": 2, "first_number": 37, "last_number": 81}),
                ],
            }
        )
        self.assertEqual(house.apartment_count, 81)
        second = house.entrance_ids.filtered(lambda e: e.number == 2)
        self.assertEqual(second.apartment_count, 45)
        self.assertEqual(second.apartments_per_floor, 5)
        self.assertEqual(self.apartment(house, 37).floor, 2)
        self.assertEqual(self.apartment(house, 81).floor, 10)
        # editing one entrance re-syncs only its apartments
        untouched = self.apartment(house, 1)
        second.last_number = 85
        self.assertEqual(house.apartment_count, 85)
        self.assertTrue(untouched.exists())
        second.unlink()
        self.assertEqual(house.apartment_count, 36)

    def test_overlapping_ranges_are_refused(self):
        house = self.env["d2d.house"].create(
            {
                "street": "Kremlyovskaya St",
                "house_number": "4",
                "territory_id": self.territory_a.id,
                "layout_type": "custom",
                "entrance_ids": [(0, 0, {"number": 1, "floor_count": 5, "first_number": 1, "last_number": 20})],
            }
        )
        before = self.counts()
        with self.assertRefused(ValidationError, "overlap"):
            self.env["d2d.entrance"].create(
                {"house_id": house.id, "number": 2, "floor_count": 5, "first_number": 15, "last_number": 30}
            )
        self.assertEqual(self.counts(), before)

    def test_last_before_first_is_refused(self):
        house = self.create_house(self.territory_a, "Kremlyovskaya St", "6", layout_type="custom")
        with self.assertRaises(ValidationError):
            self.env["d2d.entrance"].create(
                {"house_id": house.id, "number": 1, "floor_count": 5, "first_number": 30, "last_number": 10}
            )

    def test_duplicate_apartment_number_is_refused(self):
        entrance = self.house_a.entrance_ids[0]
        before = self.counts()
        with self.assertRefused(ValidationError, "already used"):
            self.env["d2d.apartment"].create(
                {"house_id": self.house_a.id, "entrance_id": entrance.id, "number": 5, "floor": 2}
            )
        with self.assertRefused(ValidationError, "already used"):
            self.env["d2d.apartment"].create(
                [
                    {"house_id": self.house_a.id, "entrance_id": entrance.id, "number": 500, "floor": 2},
                    {"house_id": self.house_a.id, "entrance_id": entrance.id, "number": 500, "floor": 3},
                ]
            )
        self.assertEqual(self.counts(), before)

    def test_uniform_entrances_are_edited_through_the_house(self):
        with self.assertRaises(UserError):
            self.house_a.entrance_ids[0].last_number = 100
        # the intercom code is not part of the layout
        self.house_a.entrance_ids[0].intercom_code = "45K7788"
        self.assertEqual(self.house_a.entrance_ids[0].intercom_code, "45K7788")

    def test_uniform_entrance_is_not_deleted_alone(self):
        before = self.counts()
        with self.assertRaises(UserError):
            self.house_a.entrance_ids[0].unlink()
        self.assertEqual(self.counts(), before, "the refusal leaves the apartments as they were")

    def test_switching_custom_house_back_to_uniform(self):
        house = self.create_house(self.territory_a, "Kremlyovskaya St", "8", entrances=2, floors=5, per_floor=2)
        house.layout_type = "custom"
        house.entrance_ids.filtered(lambda e: e.number == 2).last_number = 25
        self.assertEqual(house.apartment_count, 25)
        house.write({"layout_type": "uniform"})
        self.assertEqual(house.apartment_count, 20)

    def test_layout_map_groups_by_entrance_and_floor(self):
        self.visit(self.apartment(self.house_a, 6), "lead", phone="+79161234567")
        data = self.house_a.layout_map
        self.assertEqual([e["number"] for e in data["entrances"]], [1, 2])
        floors = data["entrances"][0]["floors"]
        self.assertEqual([f["floor"] for f in floors], [5, 4, 3, 2, 1])  # top to bottom
        floor_2 = next(f for f in floors if f["floor"] == 2)
        cell = next(c for c in floor_2["apartments"] if c["number"] == 6)
        self.assertEqual(cell["status"], "lead")
        self.assertTrue(cell["has_lead"])
        self.assertIn("lead", data["statuses"])

    def test_house_counts_and_progress(self):
        self.visit(self.apartment(self.house_a, 1), "closed")
        self.visit(self.apartment(self.house_a, 2), "lead", phone="+79161234567")
        self.assertEqual(self.house_a.visited_apartment_count, 2)
        self.assertEqual(self.house_a.lead_apartment_count, 1)
        self.assertAlmostEqual(self.house_a.progress, 5.0)
        self.assertEqual(self.territory_a.house_count, 1)
        self.assertEqual(self.territory_a.apartment_count, 40)

    def test_numbers_that_name_things_are_not_summed_in_grouped_lists(self):
        """The web client sums in a grouped list the fields whose aggregator
        fields_get gives: counts yes, apartment numbers and floors no."""
        for model, names in {
            "d2d.apartment": ("floor", "number"),
            "d2d.entrance": ("number", "floor_count", "first_floor", "first_number", "last_number"),
            "d2d.house": ("floor_count", "first_floor", "apartments_per_floor", "first_apartment_number"),
        }.items():
            described = self.env[model].fields_get(names, ["aggregator"])
            for name in names:
                self.assertFalse(described[name].get("aggregator"), f"{model}.{name}")
        self.assertEqual(
            self.env["d2d.house"].fields_get(["apartment_count"], ["aggregator"])["apartment_count"]["aggregator"],
            "sum",
        )
