import json
import re
from pathlib import Path

import phonenumbers

from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.door_to_door_crm.models import d2d_phone_rules
from odoo.addons.door_to_door_crm.models.d2d_phone_rules import normalise_phone, normalise_russian_phone

STATIC = Path(__file__).parent.parent / "static"
CASES_JS = STATIC / "tests" / "agent_phone_cases.js"
PHONE_JS = STATIC / "src" / "agent_app" / "core" / "phone.js"


def phone_cases():
    """PHONE_CASES of agent_phone_cases.js: (typed, E.164 or None when refused)."""
    text = CASES_JS.read_text()
    return [tuple(case) for case in json.loads(text[text.index("[") : text.rindex("]") + 1])]


def js_constant(name):
    """The value of `export const <name> = <JSON literal>;` in phone.js."""
    match = re.search(rf"^export const {name} = (.+);$", PHONE_JS.read_text(), re.MULTILINE)
    return json.loads(match[1]) if match else None


@tagged("post_install", "-at_install")
class TestPhoneRules(TransactionCase):
    """The client's phone of a lead visit follows one rule set on the tablet
    (static/src/agent_app/core/phone.js, tested by agent_phone.test.js on
    the same cases) and on the server (models/d2d_phone_rules.py, then
    phonenumbers), whatever the company's country."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cases = phone_cases()
        cls.Visit = cls.env["d2d.visit"]

    def server_phone(self, typed):
        """What the server makes of a typed phone: its E.164 form, or None when refused."""
        try:
            return self.Visit._lead_phone(typed)
        except ValidationError:
            return None

    def test_the_cases_are_read_from_the_tablets_file(self):
        self.assertGreater(len(self.cases), 29)
        self.assertTrue(all(len(case) == 2 and isinstance(case[0], str) for case in self.cases))
        self.assertIn(("8 916 765-43-21", "+79167654321"), self.cases)
        self.assertTrue(any(expected is None for _typed, expected in self.cases), "refused cases are listed")
        self.assertTrue(any(expected and not expected.startswith("+7") for _typed, expected in self.cases))

    def test_the_rules_are_the_tablets(self):
        """The constants of the rule set are the same in phone.js."""
        for name in ("SEPARATORS", "RUSSIAN_LEADING_DIGITS", "INTERNATIONAL_MIN_DIGITS", "INTERNATIONAL_MAX_DIGITS"):
            with self.subTest(name):
                self.assertEqual(js_constant(name), getattr(d2d_phone_rules, name))
        self.assertEqual(js_constant("PHONE_ERRORS"), list(d2d_phone_rules.PHONE_ERRORS))

    def test_the_leading_digits_of_plus_7_are_phonenumbers(self):
        """A +7 national number that begins with one of the digits the rules
        allow can be valid (Russia or Kazakhstan), one that begins otherwise
        never is, by phonenumbers' metadata."""

        def can_be_valid(digit):
            return any(
                phonenumbers.is_valid_number(phonenumbers.parse(f"+7{digit}{area:02d}{tail}"))
                for area in range(100)
                for tail in ("0000000", "1234567", "2723456", "5555555")
            )

        valid_leads = {digit for digit in "0123456789" if can_be_valid(digit)}
        self.assertEqual(valid_leads, set(d2d_phone_rules.RUSSIAN_LEADING_DIGITS))

    def test_every_case_whatever_the_companys_country(self):
        countries = {
            "Russia": self.env.ref("base.ru"),
            "Germany": self.env.ref("base.de"),
            "Kazakhstan": self.env.ref("base.kz"),
            "no country": self.env["res.country"],
        }
        for label, country in countries.items():
            self.env.company.country_id = country
            for typed, expected in self.cases:
                with self.subTest(country=label, typed=typed):
                    self.assertEqual(self.server_phone(typed), expected)

    def test_the_rules_alone_agree_with_the_cases(self):
        """normalise_phone accepts exactly the accepted cases (phonenumbers
        refuses none of them), and normalise_russian_phone gives the +7 ones."""
        for typed, expected in self.cases:
            with self.subTest(typed=typed):
                phone, error = normalise_phone(typed)
                self.assertEqual(phone, expected)
                self.assertEqual(error is None, expected is not None)
                if error:
                    self.assertIn(error, d2d_phone_rules.PHONE_ERRORS)
                russian = expected if expected and expected.startswith("+7") else None
                self.assertEqual(normalise_russian_phone(typed), russian)

    def test_a_russian_form_is_russian_in_a_german_company(self):
        """Phonenumbers alone reads 8 916… as a Munich number (+49 89…) when
        the company is German: the rules read it as Russian first."""
        self.env.company.country_id = self.env.ref("base.de")
        Lead = self.env["crm.lead"]
        self.assertEqual(Lead._d2d_format_phone("8 916 765-43-21"), "+79167654321")
        self.assertEqual(Lead._d2d_format_phone("916 765-43-21"), "+79167654321")
        self.assertEqual(Lead._d2d_format_phone("+49 30 1234567"), "+49301234567")

    def test_a_refused_phone_says_so(self):
        Lead = self.env["crm.lead"]
        for typed in ("8 916 ABC-43-21", "+7 012 345-67-89", "030 1234567", "", None, 89167654321):
            with self.subTest(typed=typed), self.assertRaises(UserError):
                Lead._d2d_format_phone(typed)
        # the rules let a plausible number of another country pass; phonenumbers has the last word
        self.assertEqual(normalise_phone("+89167654321"), ("+89167654321", None))
        with self.assertRaises(UserError):
            Lead._d2d_format_phone("+89167654321")
        with self.assertRaisesRegex(ValidationError, "not a valid phone number"):
            self.Visit._lead_phone("8 916 765-43-2")
        with self.assertRaisesRegex(ValidationError, "needs the client's phone"):
            self.Visit._lead_phone("  ")

    def test_non_ascii_digits_and_odd_values_are_refused(self):
        self.assertEqual(normalise_phone("٨٩١٦٧٦٥٤٣٢١"), (None, "invalid"))
        self.assertEqual(normalise_phone(None), (None, "empty"))
        self.assertEqual(normalise_phone(" - ( ) "), (None, "empty"))
        self.assertEqual(normalise_phone(["89167654321"]), (None, "invalid"))
        self.assertEqual(normalise_phone("+7916\udc00"), (None, "invalid"))
        self.assertEqual(normalise_phone("+7\u00a0916\u202f765\u201343\u201421"), ("+79167654321", None))
