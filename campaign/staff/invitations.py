"""Invitations for editors: upload the invitees CSV, see per row what will happen, send,
follow up."""
