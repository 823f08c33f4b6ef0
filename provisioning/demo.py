"""Provisioning demo (README): make sure the demo organisation has a ticket and show how to
fetch the demo phones' configurations with curl, as the phones themselves would (idempotent).

`seed(organisation)` returns the lines `manage.py seed_demo` prints. The commands send each
model's real User-Agent format (PROVISIONING-NOTES.md), because the endpoint refuses requests
that do not identify as a supported phone.
"""

from devices import catalog
from devices.models import Phone
from provisioning.operations import ticket_for
from provisioning.queries import provisioning_url
from provisioning.useragents import format_mitel, format_snom

DEMO_FIRMWARE = {catalog.Vendor.SNOM: "10.1.54.13", catalog.Vendor.MITEL: "5.1.0.2047"}
MAX_PHONES = 10


def curl_command(ticket_value, phone):
    """The curl command that fetches `phone`'s own file the way the phone does, or None."""
    model = phone.phone_model
    if model is None or model.identifier is None:
        return None
    firmware = DEMO_FIRMWARE[model.vendor]
    if model.renderer == catalog.Renderer.SNOM:
        url = provisioning_url(ticket_value, "snom") + f"snom{model.identifier}-{phone.mac}.htm"
        agent = format_snom(model.identifier, firmware, mac=phone.mac, build="2010.12-00004-g9ba52f5", extra="SXM:0 UXM:0")
    elif model.renderer == catalog.Renderer.MITEL_68XX:
        url = provisioning_url(ticket_value, "mitel") + f"{phone.mac}.cfg"
        agent = format_mitel(model.identifier, phone.mac, firmware)
    else:
        url = provisioning_url(ticket_value, "mivoice") + f"{phone.mac}.cfg"
        agent = format_mitel(model.identifier, phone.mac, firmware)
    return f"curl -A '{agent}' '{url}'"


def seed(organisation):
    ticket = ticket_for(organisation)
    value = ticket.ticket
    phones = Phone.objects.for_organisation(organisation).order_by("mac")[:MAX_PHONES]
    notes = ["Provisioning: fetch the demo phones' configurations as the phones do:"]
    for phone in phones:
        command = curl_command(value, phone)
        if command:
            notes.append(f"  # {phone.model_name} {phone.mac} ({phone.get_state_display()})")
            notes.append(f"  {command}")
    notes.append(
        "  Global files: "
        f"curl -A '{format_mitel('6867i', '00085D1610DE', DEMO_FIRMWARE[catalog.Vendor.MITEL])}' "
        f"'{provisioning_url(value, 'mitel')}startup.cfg'"
    )
    return notes
