"""What a legacy seed back end cannot do, in words the status bar can show."""

from __future__ import annotations

from sportello.client.changes import MissingFeature

HISTORY_SYNC = MissingFeature(
    "history_sync",
    "No history sync: messages received while offline are not recovered",
    "Nessuna sincronizzazione dello storico: i messaggi ricevuti offline non vengono recuperati",
)
RESUME = MissingFeature(
    "resume",
    "No resume after reconnection: events may be missed",
    "Nessuna ripresa dopo la riconnessione: alcuni eventi possono andare persi",
)
SENDING = MissingFeature(
    "sending",
    "Sending messages is not available on this server",
    "L'invio dei messaggi non è disponibile su questo server",
)
TICKET_EDITS = MissingFeature(
    "ticket_edits",
    "Tickets cannot be edited from the console",
    "I ticket non possono essere modificati dalla console",
)
SEARCH = MissingFeature(
    "search",
    "Search on the server is not available",
    "La ricerca sul server non è disponibile",
)
OLDER_HISTORY = MissingFeature(
    "older_history",
    "Older messages cannot be loaded from the server",
    "I messaggi meno recenti non possono essere caricati dal server",
)

SEED_MISSING_FEATURES: tuple[MissingFeature, ...] = (
    HISTORY_SYNC,
    RESUME,
    SENDING,
    TICKET_EDITS,
    SEARCH,
    OLDER_HISTORY,
)
