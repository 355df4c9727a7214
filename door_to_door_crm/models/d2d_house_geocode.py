import json
import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Houses located per call of the cron: each is one request to the geocoding
# service, and OpenStreetMap's Nominatim allows one request a second.
GEOCODE_BATCH_SIZE = 20
# Seconds between two requests (Nominatim's usage policy: at most one a second).
GEOCODE_PAUSE_PARAM = "door_to_door_crm.geocode_pause_s"
DEFAULT_GEOCODE_PAUSE_S = 1.0
# Writing one of these moves the house: its coordinates are looked up again.
ADDRESS_FIELDS = {"street", "house_number", "city", "zip"}


class D2dHouse(models.Model):
    """Houses without coordinates are located from their address by a cron,
    with Odoo's geocoder (base_geolocalize: OpenStreetMap's Nominatim or
    Google, as chosen in Odoo's settings), so that they appear on the maps."""

    _inherit = "d2d.house"

    geo_lookup_date = fields.Datetime(
        string="Located on",
        readonly=True,
        copy=False,
        help="When the address was last looked up on the map service; empty: not yet. A house whose address the "
        "service did not find keeps no coordinates until its address changes.",
    )

    def write(self, vals):
        if ADDRESS_FIELDS & set(vals) and not {"latitude", "longitude"} & set(vals):
            vals = {**vals, "latitude": 0.0, "longitude": 0.0, "geo_lookup_date": False}
        return super().write(vals)

    @api.model
    def _cron_d2d_geocode_houses(self, batch_size=GEOCODE_BATCH_SIZE):
        """Locate one batch of the houses that have no coordinates and were
        not looked up since their address last changed. The requests are made
        before any row is locked; the coordinates are then written in one
        statement, skipping a house a request is changing (a later run takes
        it). A service that cannot be reached ends the batch, nothing marked."""
        self.flush_model(["latitude", "longitude", "geo_lookup_date", "active"])
        candidates = SQL(
            """SELECT id FROM d2d_house
                WHERE active AND COALESCE(latitude, 0) = 0 AND COALESCE(longitude, 0) = 0
                  AND geo_lookup_date IS NULL"""
        )
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) c", candidates))
        total = self.env.cr.fetchone()[0]
        self.env.cr.execute(SQL("%s ORDER BY id LIMIT %s", candidates, batch_size))
        houses = self.browse(row[0] for row in self.env.cr.fetchall())
        done = self._d2d_write_locations(self._d2d_geocode(houses))
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
        return done

    def _d2d_geocode(self, houses):
        """{house id: (latitude, longitude) or None when not found}, asking
        the geocoder for each house in turn, paused as its policy asks."""
        geocoder = self.env["base.geocoder"]
        pause = float(self.env["ir.config_parameter"].sudo().get_param(GEOCODE_PAUSE_PARAM, DEFAULT_GEOCODE_PAUSE_S))
        found = {}
        for index, house in enumerate(houses):
            if index and pause:
                time.sleep(pause)
            company = house.company_id or self.env.company
            address = geocoder.geo_query_address(
                street=f"{house.street} {house.house_number}",
                zip=house.zip,
                city=house.city or company.city,
                country=company.country_id.name,
            )
            try:
                found[house.id] = geocoder.geo_find(address, force_country=company.country_id.code)
            except UserError as error:
                _logger.warning("Locating houses stopped: the map service answered %s", error)
                break
        return found

    def _d2d_write_locations(self, found):
        """Write the coordinates found (a house not found: only the date of
        the look-up) in one statement; the number of houses written."""
        if not found:
            return 0
        rows = [
            {"id": house_id, "latitude": point and point[0], "longitude": point and point[1]}
            for house_id, point in found.items()
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE d2d_house h
                   SET latitude = COALESCE(f.latitude, 0), longitude = COALESCE(f.longitude, 0),
                       geo_lookup_date = %(now)s, write_date = %(now)s, write_uid = %(uid)s
                  FROM json_to_recordset(%(rows)s) AS f(id int, latitude float8, longitude float8)
                 WHERE h.id = f.id
                   AND h.id IN (SELECT id FROM d2d_house WHERE id = ANY(%(ids)s) FOR NO KEY UPDATE SKIP LOCKED)
                """,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                rows=json.dumps(rows),
                ids=list(found),
            )
        )
        self.invalidate_model(["latitude", "longitude", "geo_lookup_date", "write_date", "write_uid"])
        return self.env.cr.rowcount
