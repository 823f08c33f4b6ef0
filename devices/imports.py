"""Phone upload (DEV-3): CSV or XLSX, through the shared preview / confirm / one-transaction job
flow of connect.lib.imports and connect.lib.jobs (the same as the user import).

Columns (headers fixed, any order and case): "Mac-adresse" (required; also "MAC address", "MAC"),
"Type" (required for a new phone: "D725", "Snom D725", "snom725", "6867i", "Mitel 6867" ...;
also "Model"), "Beskrivelse" (also "Description"), "Brugernavn" (optional: the user on line 1;
also "Username"). Rows are matched by MAC (12 hex digits in any common notation): a new MAC adds a
phone, a known one is updated; nobody's phone is deleted. An empty cell leaves an existing
phone's value unchanged. A MAC of another organisation's phone is refused without saying whose.
"""

from django.utils.translation import gettext_lazy as _

from connect.lib.i18n import message
from connect.lib.imports import Action, Column, Importer, RowResult
from customers.models import User
from devices import operations
from devices.forms import PhoneImportForm
from devices.models import Phone, normalise_mac

PHONE_COLUMNS = [
    Column("mac", "Mac-adresse", ("MAC address", "MAC-adresse", "MAC"), required=True),
    Column("type", "Type", ("Model", "Phone model")),
    Column("description", "Beskrivelse", ("Description",)),
    Column("username", "Brugernavn", ("Username", "User name")),
]


def _mac_key(raw):
    try:
        return normalise_mac(raw)
    except Exception:  # noqa: BLE001 - the form reports the error
        return None


class PhonesImporter(Importer):
    columns = PHONE_COLUMNS
    formats = ("csv", "xlsx")
    unit = "row"

    def header(self, key):
        return next(c.header for c in self.columns if c.key == key)

    def prepare(self, rows):
        macs = {m for m in (_mac_key(r.data.get("mac")) for r in rows) if m}
        self.existing = {p.mac: p for p in Phone.objects.filter(mac__in=macs).select_related("user")}
        usernames = {str(r.data.get("username") or "").strip().lower() for r in rows} - {""}
        self.users = {u.username: u for u in User.objects.for_organisation(self.organisation).filter(username__in=usernames)}

    def validate(self, row):
        result = RowResult(number=row.number, label=str(row.data.get("mac", ""))[:40])
        form = PhoneImportForm(row.data, organisation=self.organisation, existing=self.existing, users=self.users)
        if not form.is_valid():
            for field, errors in form.errors.as_data().items():
                header = self.header(field) if field in {c.key for c in self.columns} else ""
                for error in errors:
                    result.add_error(header, error)
            return result
        cleaned = form.cleaned_data
        result.label = cleaned["mac"]
        phone = form.phone
        result.cleaned = {"phone_id": phone.pk if phone else None, **cleaned}
        if phone is None:
            result.action = Action.CREATE
            result.changes[self.header("mac")] = [None, cleaned["mac"]]
            result.changes[self.header("type")] = [None, cleaned["model"].display_name]
            if cleaned["description"]:
                result.changes[self.header("description")] = [None, cleaned["description"]]
            if cleaned["user"] is not None:
                result.changes[self.header("username")] = [None, cleaned["user"].username]
            return result
        if cleaned["model"] is not None and cleaned["model"].code != phone.model:
            result.changes[self.header("type")] = [phone.model_name, cleaned["model"].display_name]
        if cleaned["description"] and cleaned["description"] != phone.description:
            result.changes[self.header("description")] = [phone.description, cleaned["description"]]
        if cleaned["user"] is not None and cleaned["user"].pk != phone.user_id:
            result.changes[self.header("username")] = [phone.user.username if phone.user_id else None, cleaned["user"].username]
        result.action = Action.UPDATE if result.changes else Action.UNCHANGED
        return result

    def validate_all(self, results):
        seen = {}
        for result in results:
            mac = (result.cleaned or {}).get("mac")
            if not mac:
                continue
            if mac in seen:
                result.add_error(self.header("mac"), message(_("The MAC address is also in row %(row)s."), row=seen[mac]))
            else:
                seen[mac] = result.number

    def write(self, results, progress):
        total = len(results)
        for index, result in enumerate(results, start=1):
            data = result.cleaned
            if result.action == Action.CREATE:
                phone = operations.phone_create(
                    organisation=self.organisation,
                    mac=data["mac"],
                    model=data["model"].code,
                    description=data["description"],
                    by=self.by,
                )
                if data["user"] is not None:
                    operations.phone_assign_user(phone=phone, user=data["user"], by=self.by)
            elif result.action == Action.UPDATE:
                phone = Phone.objects.for_organisation(self.organisation).get(pk=data["phone_id"])
                fields = {}
                if data["model"] is not None:
                    fields["model"] = data["model"].code
                if data["description"]:
                    fields["description"] = data["description"]
                if fields:
                    operations.phone_update(phone=phone, by=self.by, **fields)
                if data["user"] is not None:
                    operations.phone_assign_user(phone=phone, user=data["user"], by=self.by)
            if index % 100 == 0:
                progress(index, total)
        progress(total, total)
