"""PostgreSQL triggers that announce every change to what a phone is served (issue 14).

Each web process keeps the phones' answers of the organisations it serves in memory
(provisioning/memory.py) and LISTENs on the channel ``connect_provisioning``. These triggers
NOTIFY on that channel, from inside the writing transaction (delivered when it commits,
dropped when it rolls back), for every write that changes what the phones' lookup returns:

- ``o<organisation id>``: the organisation's ticket (renewal: the digest and generation; the
  configuration version) or its name, language or time zone;
- ``p<organisation id>:<MAC>``: a phone (added, removed, moved, its MAC, model or configuration
  version changed: the old and the new one) or one of its stored files.

Triggers and not Django signals: bulk updates, raw SQL, cascades and the admin are covered
alike. Phones' telemetry (last seen, IP, firmware), written on every fetch, announces nothing.
On other databases (SQLite: the demo, local tests) nothing is created; the processes then read
the database on every request.
"""

from django.db import migrations

CHANNEL = "connect_provisioning"

CREATE = f"""
CREATE OR REPLACE FUNCTION connect_provisioning_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'provisioning_ticket' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('{CHANNEL}', 'o' || OLD.organisation_id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('{CHANNEL}', 'o' || NEW.organisation_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'customers_organisation' THEN
        PERFORM pg_notify('{CHANNEL}', 'o' || OLD.id);
    ELSIF TG_TABLE_NAME = 'devices_phone' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('{CHANNEL}', 'p' || OLD.organisation_id || ':' || OLD.mac);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('{CHANNEL}', 'p' || NEW.organisation_id || ':' || NEW.mac);
        END IF;
    ELSIF TG_TABLE_NAME = 'provisioning_renderedfile' THEN
        PERFORM pg_notify('{CHANNEL}', 'p' || p.organisation_id || ':' || p.mac)
        FROM devices_phone p
        WHERE p.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.phone_id ELSE NEW.phone_id END;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER connect_provisioning_ticket
AFTER INSERT OR UPDATE OR DELETE ON provisioning_ticket
FOR EACH ROW EXECUTE FUNCTION connect_provisioning_notify();

CREATE TRIGGER connect_provisioning_organisation_update
AFTER UPDATE ON customers_organisation
FOR EACH ROW
WHEN (OLD.name IS DISTINCT FROM NEW.name
      OR OLD.default_language IS DISTINCT FROM NEW.default_language
      OR OLD.time_zone IS DISTINCT FROM NEW.time_zone)
EXECUTE FUNCTION connect_provisioning_notify();

CREATE TRIGGER connect_provisioning_organisation_delete
AFTER DELETE ON customers_organisation
FOR EACH ROW EXECUTE FUNCTION connect_provisioning_notify();

CREATE TRIGGER connect_provisioning_phone_insert_delete
AFTER INSERT OR DELETE ON devices_phone
FOR EACH ROW EXECUTE FUNCTION connect_provisioning_notify();

CREATE TRIGGER connect_provisioning_phone_update
AFTER UPDATE ON devices_phone
FOR EACH ROW
WHEN (OLD.organisation_id IS DISTINCT FROM NEW.organisation_id
      OR OLD.mac IS DISTINCT FROM NEW.mac
      OR OLD.model IS DISTINCT FROM NEW.model
      OR OLD.config_version IS DISTINCT FROM NEW.config_version)
EXECUTE FUNCTION connect_provisioning_notify();

CREATE TRIGGER connect_provisioning_renderedfile
AFTER INSERT OR UPDATE OR DELETE ON provisioning_renderedfile
FOR EACH ROW EXECUTE FUNCTION connect_provisioning_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS connect_provisioning_ticket ON provisioning_ticket;
DROP TRIGGER IF EXISTS connect_provisioning_organisation_update ON customers_organisation;
DROP TRIGGER IF EXISTS connect_provisioning_organisation_delete ON customers_organisation;
DROP TRIGGER IF EXISTS connect_provisioning_phone_insert_delete ON devices_phone;
DROP TRIGGER IF EXISTS connect_provisioning_phone_update ON devices_phone;
DROP TRIGGER IF EXISTS connect_provisioning_renderedfile ON provisioning_renderedfile;
DROP FUNCTION IF EXISTS connect_provisioning_notify();
"""


def _statements(script):
    """The script's statements, one per execute(). They are separated by blank lines (the
    function's body holds semicolons of its own)."""
    return [statement.strip() for statement in script.strip().split("\n\n") if statement.strip()]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(CREATE):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP.strip().splitlines():
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0017_job_kind_contacts_import"),
        ("devices", "0002_phone_config_version"),
        ("provisioning", "0002_ticket_config_version_renderedfile"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
