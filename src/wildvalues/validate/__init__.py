"""Validation kit: a labelled random sample, agreement figures and prediction-powered estimates."""
