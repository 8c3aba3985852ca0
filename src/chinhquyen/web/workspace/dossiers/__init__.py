"""The officials' dossier pages: inboxes, the dossier page, its actions, bulk decisions."""
