"""Helpers the tests share: the SMTP sink, a signer's browser, staff at the command line, the
app as a server, and factories for letters and signatures."""
