"""Delivering the signed letter: rendering it as a PDF."""
