"""Messages stored now and shown later, in the language of whoever reads them.

A job runs in a worker, long after the request that started it, and its page is read by anyone
of the organisation, in Danish or in English. So a job row never stores translated text: it stores
each message as its msgid (the English source text) and its parameters,

    {"msgid": "The number %(number)s is already in use.", "params": {"number": "+4588887702"}}

and the page renders it with gettext in the reader's language (`message_text`). A parameter may
be a stored message itself (or a list of them): it is rendered too. A plain string is shown as it
is: rows written before messages were stored this way, and text without a msgid.

    message(_("Saved: %(create)d created."), create=3)   # _ = gettext_lazy (or gettext_noop)
    messages_of(validation_error)                         # one stored message per message
    message_text(stored)                                  # "Gemt: 3 oprettet." for a Danish reader
"""

import re

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext, override

__all__ = ["message", "message_text", "messages_of", "msgid_of", "stored"]


def msgid_of(text):
    """The msgid of a lazy translation (its English source), or the text itself."""
    if isinstance(text, Promise):
        with override(None):  # no catalogue: gettext gives back the msgid
            return str(text)
    return str(text)


_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _param(value):
    if isinstance(value, str):
        # PostgreSQL's jsonb cannot hold NUL; a value quoted in a message may contain one.
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Promise):
        return message(value)
    if isinstance(value, ValidationError):
        return messages_of(value)
    if isinstance(value, dict):
        return value if "msgid" in value else str(value)
    if isinstance(value, (list, tuple)):
        return [_param(v) for v in value]
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return _param(str(value))


def message(msgid, /, **params):
    """A message to store. `msgid` is a gettext_lazy proxy or a str marked with gettext_noop
    (so makemessages finds it); `params` are plain values or stored/lazy messages. Only the
    parameters the msgid uses are kept (validators pass the whole value along, which the message
    does not show)."""
    stored_message = {"msgid": msgid_of(msgid)}
    used = set(_PLACEHOLDER.findall(stored_message["msgid"]))
    kept = {key: _param(value) for key, value in params.items() if key in used}
    if kept:
        stored_message["params"] = kept
    return stored_message


def _flat(error):
    if hasattr(error, "error_dict"):
        for errors in error.error_dict.values():
            for item in errors:
                yield from _flat(item)
    else:
        yield from error.error_list


def messages_of(error):
    """The stored messages of a ValidationError (field errors of a form included), in order."""
    result = []
    for item in _flat(error):
        if item.params:
            result.append(message(item.message, **item.params))
        else:
            result.append(message(item.message))
    return result


def stored(value):
    """Any message (stored, lazy, ValidationError, text) in its storable form."""
    if isinstance(value, ValidationError):
        found = messages_of(value)
        return found[0] if len(found) == 1 else found
    if isinstance(value, Promise):
        return message(value)
    if isinstance(value, (dict, list)):
        return value
    return "" if value is None else str(value)


def _rendered_param(value):
    if isinstance(value, (dict, list)):
        return message_text(value, separator="; ")
    return value


def message_text(value, separator=" "):
    """A stored message as text in the active language (lists joined with `separator`)."""
    if isinstance(value, list):
        return separator.join(message_text(v) for v in value)
    if isinstance(value, dict) and "msgid" in value:
        msgid = str(value["msgid"] or "")
        if not msgid:
            return ""
        text = gettext(msgid)
        params = value.get("params")
        if not params:
            return text
        params = {key: _rendered_param(v) for key, v in params.items()}
        for template in (text, msgid):  # a broken translation falls back to the English
            try:
                return template % params
            except (KeyError, ValueError, TypeError):
                continue
        return text
    if value is None:
        return ""
    return str(value)
