"""The remediation pages: partners below threshold and at risk, segment alerts, and the
remediation reviews (table, page, and the forms to open, edit, close and reopen them)."""
