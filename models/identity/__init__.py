"""The identity vault (issue 11): identities and notes encrypted at rest with per-person data
keys kept in a separate key store, a blind index for name search, urgent purge by destroying
the key, retention, backups and key rotation. See the README, "Identity vault and keys".

Modules: ``keys`` (where secrets come from), ``keystore`` (the separate key database),
``crypto`` (envelope encryption, ``vault_for``), ``names`` (normalisation and transliteration),
``blind_index`` (search and duplicate-detection blocking), ``store`` (reading and writing a
person), ``purge``, ``retention``, ``backup``.
"""
