import re
from pathlib import Path

import polib

from odoo.exceptions import UserError
from odoo.tests import TransactionCase
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
