"""What signers type into the sign form."""

SIGNER = {
    "kind": "alderperson",
    "name": "Jan Jansen",
    "role": "wethouder",
    "municipality": "Utrecht",
    "organisation": "",
    "email": "j.jansen@utrecht.nl",
    "website": "https://www.utrecht.nl",
    "public": "y",
    "consent": "y",
}
