"""Privacy: finding and masking personal data (personnummer, phone numbers, e-mail addresses)."""
