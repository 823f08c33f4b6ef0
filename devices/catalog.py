"""Supported phone models (DEV-2): reference data kept as a code constant.

The list is the guide's ("Supporterede modeller") completed with what the phones send. It is
code, not a table: it changes only with a release (a new renderer or key layout needs code too),
it needs no data migration, and every process sees the same list. A phone stores the model's
`code` in `Phone.model`.

- `identifier` is what the phone calls itself: the token after "snom" in a Snom User-Agent and
  file name (`snomD345-SIP ...`, `snomD345.htm`; the D715 and D725 say `715`/`725`), the model
  after "Aastra"/"Mitel" in a Mitel User-Agent and the `<model>.cfg` file name (`6867i`).
  `None` means no phone identifies as that model (the guide's Snom "700"): it is listed but can
  neither be auto-added nor chosen for a phone.
- `key_groups` describe the programmable keys in order, as (vendor parameter prefix, count).
  Key position 1 is always line 1 (the assigned user, DEV-4). Snom keys are `fkey` with a
  0-based `idx`; Mitel 68xx keys are `prgkey<N>` or `topsoftkey<N>`.
- Mitel "680" and "685" are the M680i (16 keys) and M685i (84 keys) expansion modules of the
  68xx phones: never a phone of their own, they add keys (`expmod<M> key<N>`) to the phone's key
  table. A 68xx phone takes up to three modules of one kind.

Key counts are the phones' physical programmable keys (datasheets, and wazo-provd's 68xx
layouts for Mitel); page-switched self-labelling keys are not multiplied out.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class Vendor:
    SNOM = "snom"
    MITEL = "mitel"
    CHOICES = [(SNOM, "Snom"), (MITEL, "Mitel")]


class Renderer:
    SNOM = "snom"
    MITEL_68XX = "mitel68xx"
    MIVOICE_CONFERENCE = "mivoice_conference"
    CHOICES = [
        (SNOM, "Snom XML"),
        (MITEL_68XX, "Mitel 68xx"),
        (MIVOICE_CONFERENCE, "Mitel MiVoice Conference"),
    ]


@dataclass(frozen=True)
class ExpansionModule:
    code: str  # stored in Phone.expansion_module
    name: str  # as the guide lists it ("680")
    display_name: str
    keys: int


@dataclass(frozen=True)
class PhoneModel:
    code: str  # stored in Phone.model
    vendor: str
    name: str  # as the guide lists it ("D725", "6867")
    display_name: str
    identifier: str | None  # what the phone sends ("725", "D345", "6867i"); None = never seen
    renderer: str
    key_groups: tuple = ()
    expansion_modules: tuple = ()  # codes of ExpansionModule the phone takes
    max_expansion_modules: int = 0

    def __str__(self):
        return self.display_name

    @property
    def key_count(self):
        return sum(count for _prefix, count in self.key_groups)

    @property
    def selectable(self):
        """Can a phone be created with this model (it identifies itself)?"""
        return self.identifier is not None

    @property
    def vendor_name(self):
        return dict(Vendor.CHOICES)[self.vendor]

    @property
    def renderer_name(self):
        return dict(Renderer.CHOICES)[self.renderer]

    @property
    def user_agent_token(self):
        """The model token in the User-Agent: `snomD345`, `6867i` (after Aastra/Mitel)."""
        if self.identifier is None:
            return None
        return f"snom{self.identifier}" if self.vendor == Vendor.SNOM else self.identifier

    @property
    def is_mitel(self):
        return self.vendor == Vendor.MITEL


EXPANSION_MODULES = (
    ExpansionModule("M680i", "680", "Mitel M680i", 16),
    ExpansionModule("M685i", "685", "Mitel M685i", 84),
)
_EXP = ("M680i", "M685i")


def _snom(name, identifier, keys, display=None):
    code = f"snom-{(identifier or name).lower()}" if identifier != "MP" else "snom-mp"
    return PhoneModel(
        code=code,
        vendor=Vendor.SNOM,
        name=name,
        display_name=display or f"Snom {name}",
        identifier=identifier,
        renderer=Renderer.SNOM,
        key_groups=(("fkey", keys),) if keys else (),
    )


def _mitel(name, identifier, prefix, keys, expansion=_EXP):
    return PhoneModel(
        code=f"mitel-{identifier}",
        vendor=Vendor.MITEL,
        name=name,
        display_name=f"Mitel {identifier}",
        identifier=identifier,
        renderer=Renderer.MITEL_68XX,
        key_groups=((prefix, keys),),
        expansion_modules=expansion,
        max_expansion_modules=3 if expansion else 0,
    )


# In the guide's order (Mitel first, then Snom).
PHONE_MODELS = (
    _mitel("6863", "6863i", "prgkey", 3, expansion=()),
    _mitel("6865", "6865i", "prgkey", 8),
    _mitel("6867", "6867i", "topsoftkey", 20),
    _mitel("6869", "6869i", "topsoftkey", 44),
    _mitel("6873", "6873i", "topsoftkey", 48),
    # No public provisioning specification (FEATURES.md DEV-2): the MiVoice Conference and Video
    # Phone (formerly Aastra UC360) has one line and no programmable keys.
    PhoneModel(
        code="mitel-mivoice-conference",
        vendor=Vendor.MITEL,
        name="MiVoice Conference and Video Phone",
        display_name="Mitel MiVoice Conference and Video Phone",
        identifier="UC360",
        renderer=Renderer.MIVOICE_CONFERENCE,
        key_groups=(("line", 1),),
    ),
    _snom("D305", "D305", 4),
    _snom("D315", "D315", 4),
    _snom("D345", "D345", 12),
    _snom("D375", "D375", 12),
    _snom("700", None, 0),
    _snom("710", "710", 5),
    _snom("D712", "D712", 4),
    _snom("D715", "715", 5),
    _snom("720", "720", 12),
    _snom("D725", "725", 18),
    _snom("D745", "D745", 8),
    _snom("760", "760", 12),
    _snom("D765", "D765", 16),
    _snom("821", "821", 12),
    _snom("870", "870", 15),
    _snom("Meeting Point", "MP", 1, display="Snom Meeting Point"),
)

_BY_CODE = {m.code: m for m in PHONE_MODELS}
_BY_VENDOR_IDENTIFIER = {(m.vendor, m.identifier.lower()): m for m in PHONE_MODELS if m.identifier}
_EXPANSION_BY_CODE = {e.code: e for e in EXPANSION_MODULES}


def get(code):
    """The PhoneModel for a stored code, or None."""
    return _BY_CODE.get(code)


def by_identifier(vendor, identifier):
    """The model a phone identified as (`by_identifier("snom", "725")`), or None if unsupported."""
    if not identifier:
        return None
    return _BY_VENDOR_IDENTIFIER.get((vendor, str(identifier).lower()))


def expansion_module(code):
    return _EXPANSION_BY_CODE.get(code)


def model_choices(selectable_only=True):
    return [(m.code, m.display_name) for m in PHONE_MODELS if m.selectable or not selectable_only]


def all_model_choices():
    return [(m.code, m.display_name) for m in PHONE_MODELS]


def expansion_choices():
    return [("", _("None"))] + [(e.code, e.display_name) for e in EXPANSION_MODULES]


def lookup(text):
    """Find a model from what an admin might type in a CSV file: code, display name, guide name
    or identifier, any case ("D725", "Snom D725", "snom725", "6867i", "mitel-6867i")."""
    value = " ".join(str(text or "").split()).lower()
    if not value:
        return None
    for m in PHONE_MODELS:
        if not m.selectable:
            continue
        names = {m.code, m.display_name.lower(), m.name.lower(), m.identifier.lower(), m.user_agent_token.lower()}
        if m.vendor == Vendor.MITEL and m.identifier.endswith("i"):
            names.add(f"mitel {m.name}")
            names.add(f"aastra{m.identifier.lower()}")
        if m.vendor == Vendor.SNOM:
            names.add(f"snom{m.name.lower()}")
        if value in names:
            return m
    return None


@dataclass(frozen=True)
class KeySlot:
    """One programmable key of a phone: its position in the portal's table and its vendor name."""

    position: int  # 1-based position in the key table; 1 = line 1
    group: str  # "fkey", "prgkey", "topsoftkey", "line" or "expmod<M>"
    index: int  # 1-based index within the group (Snom fkey idx = index - 1)
    module: int = 0  # 1-based expansion module number, 0 on the phone itself

    @property
    def is_line1(self):
        return self.position == 1

    @property
    def vendor_name(self):
        if self.module:
            return f"expmod{self.module} key{self.index}"
        if self.group == "fkey":
            return f"fkey{self.index - 1}"
        return f"{self.group}{self.index}"


def key_slots(model, expansion_code="", expansion_count=0):
    """Every key of a phone of `model` with `expansion_count` modules of `expansion_code`."""
    if isinstance(model, str):
        model = get(model)
    if model is None:
        return []
    slots = []
    position = 0
    for prefix, count in model.key_groups:
        for i in range(1, count + 1):
            position += 1
            slots.append(KeySlot(position, prefix, i))
    if not slots:
        slots.append(KeySlot(1, "line", 1))
        position = 1
    module = expansion_module(expansion_code)
    if module and expansion_code in model.expansion_modules:
        for m in range(1, min(expansion_count, model.max_expansion_modules) + 1):
            for i in range(1, module.keys + 1):
                position += 1
                slots.append(KeySlot(position, f"expmod{m}", i, module=m))
    return slots
