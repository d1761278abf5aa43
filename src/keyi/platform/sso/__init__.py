"""Single sign-on with OpenID Connect providers configured per tenant (Keyi as the client)."""
