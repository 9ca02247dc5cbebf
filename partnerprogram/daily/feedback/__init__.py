"""The feedback pages: the feedback table with its summary, and the form to log feedback."""
