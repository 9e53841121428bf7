"""Switches: pause signing (on one letter or the whole site) and outgoing mail, without a deploy."""
