"""Letters and manifestos: their text and versions, the letter file format, and their life cycle."""
