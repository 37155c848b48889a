"""Qt widgets only: screens observe the session and the flow; no business rule lives here."""
