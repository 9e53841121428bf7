"""What happens to a letter after delivery: the recipient's acknowledgement, the answer due and
the answer given, shown as a timeline, and signers who asked to hear of it."""
