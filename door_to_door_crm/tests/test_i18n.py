import re
from pathlib import Path

import polib
from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).parent.parent / "i18n"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%[sd]|\{\w*\}")


class TestRussianTranslation(TransactionCase):
    """The provider's staff work in Russian: every term the addon shows must
    have a Russian translation that keeps its placeholders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.po = polib.pofile(str(I18N / "ru.po"))
        cls.translated = {entry.msgid: entry.msgstr for entry in cls.po if entry.msgstr and "fuzzy" not in entry.flags}

    def test_every_term_is_translated(self):
        reader = TranslationModuleReader(self.env.cr, ["door_to_door_crm"])
        terms = {source for _module, source, *_rest in reader._to_translate if source}
        self.assertGreater(len(terms), 100, "the reader found the addon's terms")
        missing = sorted(terms - set(self.translated))
        self.assertFalse(missing, f"terms without a Russian translation (run scripts/i18n): {missing[:20]}")

    def test_translations_keep_placeholders(self):
        broken = [
            msgid
            for msgid, msgstr in self.translated.items()
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
        ]
        self.assertFalse(broken, f"translations that lose or add placeholders: {broken}")

    def test_russian_user_sees_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["door_to_door_crm"], ["ru_RU"], overwrite=True)
        ru_env = self.env(context=dict(self.env.context, lang="ru_RU"))
        stage = ru_env.ref("door_to_door_crm.crm_stage_d2d_review")
        self.assertEqual(stage.name, self.translated["Review"])
        with self.assertRaises(UserError) as cm:
            ru_env["crm.lead"]._d2d_stage("no-such-step")
        self.assertIn("Ни один этап CRM", str(cm.exception))


CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
ADDON = Path(__file__).parent.parent
# Proper names a Russian user reads as they are (brands of the competitors).
# The fields of the demo records a user reads.
DEMO_SHOWN = {"name", "street", "city", "contact_name", "description", "note"}
PROPER_NAMES = {"MTS", "Beeline", "Rostelecom", "Dom.ru", "МТС"}


class TestRussianRecords(TransactionCase):
    """What a Russian user reads in the records the addon's data and demo
    files load (stage, activity type, cron, server action, group names, the
    demo's people, streets, crews and territories) is Russian: the data
    files' translatable fields through ru.po, the demo written in Russian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(["door_to_door_crm"], ["ru_RU"], overwrite=True)
        cls.ru_env = cls.env(context=dict(cls.env.context, lang="ru_RU"))

    def records_of(self, folder):
        """(xml id, model, [field names]) of every <record> of the folder's XML files."""
        for path in sorted((ADDON / folder).glob("*.xml")):
            for node in etree.parse(str(path)).iter("record"):
                xmlid = node.get("id")
                if "." not in xmlid:
                    xmlid = f"door_to_door_crm.{xmlid}"
                yield path.name, xmlid, node.get("model"), [field.get("name") for field in node.iter("field")]

    def not_russian(self, folder, translatable_only, models=None):
        found = []
        for filename, xmlid, model, names in self.records_of(folder):
            if models and not model.startswith(models):
                continue
            record = self.ru_env.ref(xmlid, raise_if_not_found=False)
            if record is None:
                continue  # demo data not loaded
            for name in names:
                field = record._fields.get(name)
                if field is None or field.type not in ("char", "text"):
                    continue
                if translatable_only and not field.translate:
                    continue
                if name in ("login", "password", "email", "code", "d2d_code", "tz", "lang", "model", "state"):
                    continue
                value = record[name]
                if value and not CYRILLIC.search(value) and value not in PROPER_NAMES and LATIN_WORD.search(value):
                    found.append(f"{filename}: {xmlid}.{name} = {value!r}")
        return found

    def test_data_files_read_in_russian(self):
        found = self.not_russian("data", translatable_only=True)
        # the actions' names of the views' files: window titles, breadcrumbs, Actions menu
        found += self.not_russian("views", translatable_only=True, models="ir.actions")
        self.assertFalse(found, f"data records a Russian user reads in English: {found[:20]}")
        # the roles' names too (the security file)
        for xmlid in ("group_d2d_agent", "group_d2d_supervisor", "group_d2d_manager"):
            self.assertRegex(self.ru_env.ref(f"door_to_door_crm.{xmlid}").name, CYRILLIC)

    def test_demo_data_is_russian(self):
        """The demo's people, streets, cities, crews, territories and
        competitors as its files write them (the tests run without demo
        data), and its users work in Russian."""
        found = []
        for path in sorted((ADDON / "demo").glob("*.xml")):
            for record in etree.parse(str(path)).iter("record"):
                for field in record.iter("field"):
                    value = (field.text or "").strip()
                    if field.get("name") not in DEMO_SHOWN or not value:
                        continue
                    if not CYRILLIC.search(value) and value not in PROPER_NAMES and LATIN_WORD.search(value):
                        found.append(f"{path.name}: {record.get('id')}.{field.get('name')} = {value!r}")
                if record.get("model") == "res.users":
                    langs = [field.text for field in record.iter("field") if field.get("name") == "lang"]
                    if langs != ["ru_RU"]:
                        found.append(f"{path.name}: {record.get('id')} does not work in Russian")
        self.assertFalse(found, f"demo records a Russian user reads in English: {found[:20]}")
        generator = (ADDON / "demo" / "d2d_demo_generator.py").read_text()
        names = re.search(r"FIRST_NAMES = \[(.*?)\]", generator, re.S).group(1)
        self.assertFalse(LATIN_WORD.search(names), "the generated clients have Russian names")

    def test_activity_titles_in_the_language_of_who_must_act(self):
        """The step's activity is titled in the responsible user's language,
        whatever the language of who moved the lead."""
        groups = "base.group_user,door_to_door_crm.group_d2d_%s"
        supervisor = new_test_user(self.env, "ru_supervisor", groups=groups % "supervisor", lang="ru_RU")
        agent = new_test_user(self.env, "en_agent", groups=groups % "agent", lang="en_US")
        territory = self.env["d2d.territory"].create(
            {"name": "Территория", "supervisor_id": supervisor.id, "agent_ids": [(6, 0, agent.ids)]}
        )
        house = self.env["d2d.house"].create(
            {
                "street": "ул. Ленина",
                "house_number": "1",
                "territory_id": territory.id,
                "agent_id": agent.id,
                "entrance_count": 1,
                "floor_count": 2,
                "apartments_per_floor": 2,
            }
        )
        visit = (
            self.env["d2d.visit"]
            .with_user(agent)
            .create({"apartment_id": house.apartment_ids[:1].id, "result": "lead", "phone": "+79161234567"})
        )
        lead = visit.lead_id
        lead.with_user(agent).action_d2d_submit()
        activity = lead.sudo().activity_ids.filtered(lambda act: act.user_id == supervisor)
        self.assertEqual(activity.summary, f"{self.translated_of('Door-to-door: %(step)s')}" % {"step": "Проверка"})

    def translated_of(self, msgid):
        po = polib.pofile(str(I18N / "ru.po"))
        return next(entry.msgstr for entry in po if entry.msgid == msgid)
