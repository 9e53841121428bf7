"""Signatures: signing, confirming, withdrawing, inviting and reviewing; links, verification,
public lists and counts, and staff exports."""
