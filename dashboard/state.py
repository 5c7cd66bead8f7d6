"""Session-state keys shared across the dashboard, kept as constants."""

ACTOR = "wp_actor"
LANGUAGE = "wp_language"
LAST_SEEN = "wp_last_seen"
SIGN_IN_OUTCOME = "wp_sign_in_outcome"
SIGNED_OUT_REASON = "wp_signed_out_reason"
AUTHENTICATOR = "wp_authenticator"
AUTH_STATUS = "authentication_status"  # written by streamlit-authenticator
