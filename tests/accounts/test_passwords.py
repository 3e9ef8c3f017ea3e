"""Passwords are hashed with Argon2 in production (the test suite uses a fast hasher)."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, identify_hasher, make_password

import tandem.settings as production
from tandem.accounts import services as accounts

PASSWORD = "correct horse battery staple"


def test_production_hashes_passwords_with_argon2_first():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_hashes_and_checks_a_password(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    encoded = make_password(PASSWORD, hasher="argon2")
    assert encoded.startswith("argon2$argon2id$")
    assert PASSWORD not in encoded
    assert check_password(PASSWORD, encoded)
    assert not check_password(PASSWORD + "!", encoded)
    assert make_password(PASSWORD, hasher="argon2") != encoded  # salted


def test_new_accounts_get_argon2_hashes_with_the_production_hashers(db, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = accounts.user_create(email="ada@example.test", full_name="Ada", password=PASSWORD)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)
