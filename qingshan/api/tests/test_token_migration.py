"""The data migration from DRF's plain-text tokens: an existing integration's key keeps working, the plain keys go."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from rest_framework.test import APIClient

from qingshan.api.models import ApiToken, token_digest

LEGACY_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # the shape of a DRF key: 40 hex characters
CREATED = dt.datetime(2025, 6, 1, 8, 30, tzinfo=dt.UTC)


def _migrate_to(name: str) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("api", name)])


def _create_drf_token_table(user) -> None:
    """authtoken_token as rest_framework.authtoken's migrations left it in a database before this change."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {q('authtoken_token')} ({q('key')} varchar(40) NOT NULL PRIMARY KEY, "
                       f"{q('created')} {connection.data_types['DateTimeField']} NOT NULL, "
                       f"{q('user_id')} bigint NOT NULL UNIQUE)")
        cursor.execute(f"INSERT INTO {q('authtoken_token')} VALUES (%s, %s, %s)",
                       [LEGACY_KEY, connection.ops.adapt_datetimefield_value(CREATED), user.pk])
    MigrationRecorder(connection).record_applied("authtoken", "0004_alter_tokenproxy_options")


@pytest.mark.django_db(transaction=True)
def test_an_existing_plain_token_is_hashed_over_and_keeps_working():
    _migrate_to("0001_initial")
    user = get_user_model().objects.create_user(username="legacy_integration", password="unused-password-1")
    _create_drf_token_table(user)

    _migrate_to("0002_carry_over_drf_tokens")

    token = ApiToken.objects.get()
    assert (token.user, token.digest, token.created_at) == (user, token_digest(LEGACY_KEY), CREATED)
    assert token.expires_at.date() == dt.date(2027, 3, 2)  # 365 days from the pinned today
    # The plain keys are gone from the database, and with them authtoken's record of its migrations.
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {LEGACY_KEY}")
    response = client.get("/api/inbox/")
    assert response.status_code == 200, response.content.decode()
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db(transaction=True)
def test_without_drf_tokens_the_migration_does_nothing():
    _migrate_to("0001_initial")
    _migrate_to("0002_carry_over_drf_tokens")
    assert not ApiToken.objects.exists()
