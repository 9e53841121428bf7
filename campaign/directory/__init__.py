"""The directory: municipalities, provinces, ministries and staff-entered organisations, with
their names as people type them and the mail domains that tie a mailbox to them."""
