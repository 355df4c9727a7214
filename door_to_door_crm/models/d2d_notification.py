"""The web client's notification (the `display_notification` client action)
that the addon's moves and wizards answer with."""

CLOSE_DIALOG = {"type": "ir.actions.act_window_close"}


def notification(message, title=None, kind=None, next_action=CLOSE_DIALOG):
    """Show `message` (with `title`, in the colour of `kind`: "success",
    "warning", ...), then run `next_action` (by default, close the dialog)."""
    params = {"message": message, "next": next_action}
    if title:
        params["title"] = title
    if kind:
        params["type"] = kind
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
