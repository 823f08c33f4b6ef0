"""Demo data of the services app: DEMO-8 (contacts) and DEMO-11 (service settings).

`seed(organisation)` is idempotent: running it again changes nothing and writes no new audit
entries. It expects the customers demo (groups, users, system prompts) to exist already and
skips what refers to missing objects. Called by `manage.py seed_demo`.
"""

from django.db import transaction

from customers.models import DirectoryField, Prompt, User, UserGroup
from customers.models.users import DirectoryFieldProposal
from customers.operations.directory import directory_proposal_submit
from services import operations
from services.definitions import NONE
from services.models import ExternalContact, MandatoryContact
from services.scopes import Scope

DEMO_CONTACT = {
    "company": "ipvision A/S",
    "department": "Operations",
    "first_name": "Kasper Leth",
    "last_name": "Jensen",
    "short_name": "Kalle",
    "street": "Skodsborgvej 305D",
    "postcode": "2850",
    "city": "Nærum",
    "country": "Danmark",
    "email": "klj@ipvision.dk",
    "speed_dial": "",
    "contact_type": ExternalContact.ContactType.PREFERRED,
}
DEMO_CONTACT_NUMBERS = [{"number_type": "mobile", "number": "+4581808088", "abbreviated": "", "is_preferred": True}]
MANDATORY_CONTACT = "wallboard@ipvision.dk"
VOICEMAIL_GROUP = "Sweden - Stockholm"


@transaction.atomic
def seed(organisation, by=None):
    org_scope = Scope(organisation)
    _seed_contacts(organisation, org_scope, by)

    operations.service_settings_save(
        service="advanced",
        scope=org_scope,
        data={
            "mobile_numbers_visible": True,
            "default_phone_number": "primary",
            "users_may_change_photo": True,
            "desk_phone_transfer_pending": True,
        },
        by=by,
    )
    all_groups = list(UserGroup.objects.for_organisation(organisation).values_list("pk", flat=True))
    operations.service_settings_save(
        service="call-pickup",
        scope=org_scope,
        data={"pickup_groups": all_groups, "parked_groups": all_groups},
        by=by,
    )
    operations.service_settings_save(
        service="call-queues",
        scope=org_scope,
        data={"queue_size": 5, "callback_key": "none", "when_full": "busy", "status_prompt": NONE},
        by=by,
    )
    music = Prompt.objects.filter(organisation__isnull=True, kind=Prompt.Kind.MUSIC, name="ventemusikSamlet").first()
    if music is not None:
        operations.service_settings_save(service="music-on-hold", scope=org_scope, data={"music": music.pk}, by=by)
    _seed_directory_editing(organisation, org_scope, by)
    sweden = UserGroup.objects.for_organisation(organisation).filter(name=VOICEMAIL_GROUP).first()
    if sweden is not None:
        operations.service_settings_save(
            service="voicemail",
            scope=Scope(organisation, group=sweden),
            data={"personal_assistance": True, "personal_assistance_number": "+4655512345"},
            by=by,
        )


def _seed_directory_editing(organisation, org_scope, by):
    """SVC-16: users may edit Felt 2 (Sprog), not Felt 1 (Bilmærker); one proposal waits in the
    moderation queue (USR-18): mbr proposes another language."""
    language_field = DirectoryField.objects.for_organisation(organisation).filter(number=2).first()
    if language_field is None:
        return
    operations.service_settings_save(
        service="edit-directory-fields", scope=org_scope, data={"editable_fields": [language_field]}, by=by
    )
    mbr = User.objects.for_organisation(organisation).filter(username="mbr@ipvision.dk").first()
    if mbr is not None and not DirectoryFieldProposal.objects.filter(user=mbr).exists():
        directory_proposal_submit(user=mbr, field=language_field, value="tysk", by=mbr)


def _seed_contacts(organisation, org_scope, by):
    exists = ExternalContact.objects.for_scope(org_scope).filter(
        company=DEMO_CONTACT["company"], first_name=DEMO_CONTACT["first_name"], last_name=DEMO_CONTACT["last_name"]
    )
    if not exists.exists():
        operations.contact_create(scope=org_scope, data=DEMO_CONTACT, numbers=DEMO_CONTACT_NUMBERS, by=by)
    wallboard = User.objects.for_organisation(organisation).filter(username=MANDATORY_CONTACT).first()
    if wallboard is not None and not MandatoryContact.objects.for_scope(org_scope).filter(contact_user=wallboard).exists():
        operations.mandatory_contact_add(scope=org_scope, contact_user=wallboard, by=by)
