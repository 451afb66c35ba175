"""Monthly reports (SLA, sobriety): French HTML, PDF, CSV and JSON from pure render functions."""
