"""Users, roles, profiles, invitations and sign-up policy."""
