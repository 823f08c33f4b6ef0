"""DEMO-15: the demo organisation's phones (idempotent; called by `manage.py seed_demo`).

- Snom D725 000413A1B2C3 with klj@ipvision.dk on line 1 ("Brugertildelt");
- Mitel 6867i 00085D1610DE without a user ("Ikke klargjort");
- Snom D345 000413A11FA7 in free seating, nobody logged in ("Gratis pladser").
Running it again restores that state without duplicating anything.
"""

from django.conf import settings

from customers.models import User
from devices import operations
from devices.models import Phone

DEMO_PHONES = [
    {"mac": "000413A1B2C3", "model": "snom-725", "description": "Kasper Leth Jensen", "user": "klj@ipvision.dk"},
    {"mac": "00085D1610DE", "model": "mitel-6867i", "description": "Reception", "user": None},
    {"mac": "000413A11FA7", "model": "snom-d345", "description": "Hot desk", "user": None, "free_seating": True},
]


def seed(organisation):
    notes = []
    for spec in DEMO_PHONES:
        phone = Phone.objects.filter(mac=spec["mac"]).first()
        if phone is not None and phone.organisation_id != organisation.pk:
            notes.append(f"Phone {spec['mac']} belongs to another organisation; not touched.")
            continue
        if phone is None:
            phone = operations.phone_create(
                organisation=organisation, mac=spec["mac"], model=spec["model"], description=spec["description"], by=None
            )
        else:
            phone = operations.phone_update(phone=phone, model=spec["model"], description=spec["description"], by=None)
        free = spec.get("free_seating", False)
        operations.phone_set_free_seating(phone=phone, enabled=free, by=None)
        if free:
            phone.refresh_from_db()
            if phone.seated_user_id:
                operations.phone_seat(phone=phone, user=None)
        else:
            user = User.objects.for_organisation(organisation).filter(username=spec["user"]).first() if spec["user"] else None
            operations.phone_assign_user(phone=phone, user=user, by=None)
    portal = settings.PORTAL_BASE_URL.rstrip("/")
    notes.append(
        "Phones (DEMO-15): Snom D725 000413A1B2C3 (klj@ipvision.dk on line 1), Mitel 6867i 00085D1610DE, "
        f"Snom D345 000413A11FA7 (free seating): {portal}/devices/phones/"
    )
    return notes
