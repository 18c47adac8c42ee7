"""Staff single sign-on with the city's identity provider over OpenID Connect (issue #15): `views.setup_sso`
adds /agent/sso/start and /agent/sso/callback when OIDC_ISSUER is set."""
