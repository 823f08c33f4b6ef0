"""One renderer per vendor family, behind one interface (renderers.base.Renderer)."""

from provisioning.renderers.base import GLOBAL, MODEL, NOT_PROVIDED, PHONE, RingTones, Route, Site
from provisioning.renderers.mitel import MitelRenderer, MiVoiceConferenceRenderer
from provisioning.renderers.snom import SnomRenderer

RENDERERS = (SnomRenderer(), MitelRenderer(), MiVoiceConferenceRenderer())
BY_FAMILY = {r.family: r for r in RENDERERS}
BY_CATALOG_RENDERER = {r.renderer: r for r in RENDERERS}

__all__ = [
    "BY_CATALOG_RENDERER",
    "BY_FAMILY",
    "GLOBAL",
    "MODEL",
    "NOT_PROVIDED",
    "PHONE",
    "RENDERERS",
    "RingTones",
    "Route",
    "Site",
]
