import base64
import io
import random
import uuid
from collections import defaultdict
from datetime import timedelta

from PIL import Image

from odoo import api, fields, models

from ..models.d2d_installation import PHOTO_FIELDS
from ..models.d2d_visit import SERVICES

RESULT_WEIGHTS = [
    ("closed", 40),
    ("refusal", 18),
    ("competitor", 16),
    ("pensioner", 8),
    ("client", 10),
    ("lead", 8),
]
# The demo's clients are Russian, as the provider's are.
FIRST_NAMES = [
    "Алексей",
    "Наталья",
    "Павел",
    "Ирина",
    "Андрей",
    "Светлана",
    "Николай",
    "Татьяна",
    "Юрий",
    "Ксения",
]
MOBILE_PREFIXES = ["903", "905", "910", "915", "916", "917", "925", "926", "960", "965", "977", "985"]


class D2dDemoGenerator(models.AbstractModel):
    """Plausible data for the demo database and the benchmarks, made by the
    addon's own code paths (visits by `create`, leads moved by the workflow's
    actions), so the demo shows what the workflow really produces. Called by
    the demo XML (`<function model="d2d.demo.generator" ...>`)."""

    _name = "d2d.demo.generator"
    _description = "Door-to-door demo data generator"

    @api.model
    def _generate_visits(self, days=30, visits_per_agent_day=70, seed=2024):
        """A month of plausible knocks by every agent on the houses they see,
        reproducible from `seed` (same seed, same uuids: a replay creates
        nothing)."""
        rnd = random.Random(seed)
        houses = self.env["d2d.house"].search([])
        apartments_of_agent = defaultdict(list)
        for house in houses:
            for agent in house.agent_id | house.territory_id.agent_ids:
                apartments_of_agent[agent].extend(house.apartment_ids.ids)
        competitors = self.env["d2d.competitor"].search([]).ids
        outcomes, weights = zip(*RESULT_WEIGHTS, strict=False)
        now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        vals_list = []
        for agent, apartment_ids in sorted(apartments_of_agent.items(), key=lambda item: item[0].id):
            for day in range(days, 0, -1):
                start = now - timedelta(days=day)
                for apartment_id in rnd.sample(apartment_ids, min(visits_per_agent_day, len(apartment_ids))):
                    result = rnd.choices(outcomes, weights)[0]
                    vals = {
                        "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "apartment_id": apartment_id,
                        "agent_id": agent.id,
                        "visit_date": start.replace(hour=9) + timedelta(minutes=rnd.randint(0, 11 * 60)),
                        "result": result,
                        "device_id": f"demo-tablet-{agent.id}",
                    }
                    if result == "competitor" and competitors:
                        vals["competitor_id"] = rnd.choice(competitors)
                    if result == "lead":
                        vals.update(
                            contact_name=rnd.choice(FIRST_NAMES),
                            phone=f"+7{rnd.choice(MOBILE_PREFIXES)}{rnd.randint(0, 9999999):07d}",
                            service_interest=rnd.choice([code for code, _label in SERVICES]),
                        )
                    vals_list.append(vals)
        return self.env["d2d.visit"].sudo().with_context(tracking_disable=True).create(vals_list)

    @api.model
    def _demo_tariffs(self):
        """The provider's tariffs (the demo's), or one made for a database without them."""
        Tariff = self.env["d2d.tariff"].sudo()
        return Tariff.search([]) or Tariff.create({"name": "Домашний 500", "monthly_fee": 650})

    @api.model
    def _walk_pipeline(self, review=12, coordination=10, scheduled=6, quality=4, done=4):
        """Walk some of the demo leads (made by the demo visits) through the
        workflow with its own moves, so every step has leads to show."""
        leads = self.env["crm.lead"].sudo().search([("d2d_stage_code", "=", "new")], order="id")
        total = review + coordination + scheduled + quality + done
        leads = leads[:total]
        leads.action_d2d_submit()
        forward = leads[review:]
        forward.action_d2d_send_to_coordination()
        booked = forward[coordination:]
        tariffs = self._demo_tariffs()
        router = self.env["d2d.equipment"].sudo().search([], limit=1)
        for index, lead in enumerate(forward[: coordination // 2] | booked):
            lead.write(
                {
                    "d2d_passport": f"45{index:02d} 1{index:05d}",
                    "d2d_passport_issued": "ГУ МВД России по г. Москве, 01.06.2015",
                    "d2d_tariff_id": tariffs[index % len(tariffs)].id,
                    "d2d_equipment_line_ids": [(0, 0, {"equipment_id": router.id, "quantity": 1})] if router else [],
                }
            )
        now = fields.Datetime.now()
        # the coordinator's queue shows its leads by age, complete cards or not
        for index, lead in enumerate(forward[:coordination]):
            lead.write({"date_last_stage_update": now - timedelta(hours=7 * (index * 7 % coordination))})
        # jobs already reported were done last week; the others are ahead
        crews = self.env["d2d.crew"].sudo().search([])
        planned, reported = booked[:scheduled], booked[scheduled:]
        duration = timedelta(hours=2)
        last_week = crews._find_slots(now - timedelta(days=7), duration, count=len(reported))
        past = [slot for slot in last_week if slot[1] <= now]
        ahead = crews._find_slots(now + timedelta(hours=2), duration, count=len(planned))
        for group, slots in ((reported, past), (planned, ahead)):
            for lead, (start, stop, crew) in zip(group, slots, strict=False):
                lead.action_d2d_schedule(crew.id, start, stop)
        reported = reported.filtered(lambda lead: lead.d2d_stage_code == "scheduled")
        self._report_jobs(reported.d2d_installation_ids)
        reported[quality:].action_d2d_quality_call(ok=True, note="Клиент доволен")
        return True

    @api.model
    def _report_jobs(self, jobs):
        """Report these jobs connected, with generated photos."""
        for index, job in enumerate(jobs):
            photos = {}
            for name, colour in zip(PHOTO_FIELDS, ("lightblue", "orange", "grey"), strict=True):
                out = io.BytesIO()
                Image.new("RGB", (800, 600), colour).save(out, format="JPEG")
                photos[name] = base64.b64encode(out.getvalue())
            job.write({**photos, "state": "in_progress", "started_at": job.start})
            job.action_d2d_report("connected", port=f"A-{index + 1}", cable_mark_start=150.0, cable_mark_end=132.5)
