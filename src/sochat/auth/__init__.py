"""Who is calling: passwords, SOTickets, OIDC bearer tokens and browser sessions."""
