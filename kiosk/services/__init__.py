"""The outside world (PDF, printing, email) behind small interfaces; no widgets here."""
