"""Workflows over many estimates: comparing scenarios side by side, and the batch of patients (CSV in, CSV out)."""
