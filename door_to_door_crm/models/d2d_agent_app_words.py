from odoo import api, models


class D2dAgentSync(models.AbstractModel):
    """The words of the offline agent app (see d2d_agent_sync.py for the
    model): translated here, in the user's language, and given to the page
    with its session (controllers/agent.py), so that the page needs no
    other bundle to speak the agent's language."""

    _inherit = "d2d.agent.sync"

    @api.model
    def _app_results(self):
        return [
            [code, label] for code, label in self.env["d2d.visit"]._fields["result"]._description_selection(self.env)
        ]

    @api.model
    def _app_strings(self):
        _ = self.env._
        return {
            "title": _("My territory"),
            "search": _("Street or number..."),
            "houses": _("Houses"),
            "leads": _("My leads"),
            "potential": _("Potential clients"),
            "online": _("Online"),
            "offline": _("Offline"),
            "waiting": _("waiting"),
            "last_sync": _("Last sync"),
            "never": _("never"),
            "sync_now": _("Sync now"),
            "syncing": _("Syncing..."),
            "back": _("Back"),
            "entrance": _("Entrance"),
            "intercom": _("Intercom"),
            "floor": _("Floor"),
            "apartment": _("Apt."),
            "note": _("Note"),
            "save_note": _("Save the note"),
            "history": _("History"),
            "which_competitor": _("Which competitor?"),
            "client_name": _("Client's name"),
            "phone": _("Phone"),
            "service": _("Service of interest"),
            "save_lead": _("Save the lead"),
            "cancel": _("Cancel"),
            "rejected": _("Refused by the server"),
            "pending": _("not sent yet"),
            "left": _("left"),
            "no_data": _("No data on this tablet yet: connect once to load your territory."),
            "installation": _("Installation"),
            "internet": _("Internet"),
            "tv": _("TV"),
            "internet_tv": _("Internet + TV"),
            "discard": _("Discard"),
            "retry": _("Send again"),
            "server_error": _("Server error"),
            "quarantined": _("The server could not take this event"),
            "no_history": _("No visit yet."),
            "phone_required": _("A lead needs the client's phone number."),
            "session_expired": _("You are signed out: sign in again to send your events."),
            "sign_in": _("Sign in"),
            "switch_user": _("Switch user"),
            "switch_offline": _("Connect to the network to switch user."),
            "other_user": _("Another user is signed in on this tablet: sign in again to work here."),
            "phone_invalid": _("This is not a phone number: type it as 8 916 123-45-67 or +7 916 123-45-67."),
            "map": _("Map"),
            "not_visited": _("Not visited"),
            "callbacks": _("Come back"),
            "logged": _("Logged"),
            "undo": _("Undo"),
            "open_lead": _("Open lead"),
            "come_back": _("Come back"),
            "come_back_at": _("Come back at"),
            "callback_past": _("The time to come back is already past: choose a later one."),
            "visited": _("Visited"),
            "leads_short": _("Leads"),
            "callbacks_short": _("Come back"),
            "nothing_found": _("Nothing found."),
            "entrances": _("entrances"),
            "legend": _("Legend"),
            "result": _("Result"),
            "no_leads": _("No lead yet: a door with the result “Lead” opens one."),
            "no_callbacks": _("No resident asked you to come back."),
            "submit_lead": _("Send to the supervisor"),
            "submitted_waiting": _("sent to the supervisor, waiting for the network"),
            "returned": _("Returned: fix it"),
            "returned_because": _("Returned by the supervisor"),
            "save": _("Save"),
            "saved": _("Saved: sent with the next sync."),
            "reason": _("Reason"),
            "all_reasons": _("All reasons"),
            "age": _("Last knock"),
            # %(days)s is replaced by the app
            "older_than_days": _("Knocked %(days)s days ago or more"),
            "any_age": _("Any time"),
            "where_am_i": _("Where am I?"),
            "houses_without_place": _("houses have no place on the map yet"),
            # %(count)s is replaced by the app
            "others_waiting": _(
                "%(count)s events of another agent wait on this tablet: they are sent when that agent signs in."
            ),
        }
