"""Internal API for the SIP platform: registration status and free-seating log-ins of phones.

The SIP platform (registrar) tells the portal which phones are registered, so the phone list
shows the "Status" icon (DEV-3: green = registered, red = not registered, grey = unknown), and who
logged in on a free-seating phone ("På plads"). Not for browsers or phones.

Authentication: `Authorization: Bearer <PLATFORM_API_TOKEN>` (environment variable; compared in
constant time). With PLATFORM_API_TOKEN unset the endpoints do not exist (404). A missing or
wrong token gets 401. Only POST with a JSON body; responses are JSON.

POST /devices/platform/registration/
    {"phones": [{"mac": "000413A1B2C3", "status": "registered"},
                {"mac": "00:08:5d:16:10:de", "status": "unregistered"}]}
    (a bare list of the same objects is accepted too). MACs in any common notation; status
    "registered" / "unregistered" / "unknown" (also green/red/grey, up/down). At most
    MAX_ENTRIES entries per request. Answer 200:
    {"updated": 1, "unchanged": 0, "unknown": ["FFFFFFFFFFFF"], "invalid": ["x"]}
    ("unknown": MACs of no phone; "invalid": entries that are not a MAC and a known status).

POST /devices/platform/seating/
    {"mac": "000413A1B2C3", "username": "klj@ipvision.dk"}   (log-in; "username": null = log-out)
    The phone must be in free seating and the user must belong to the phone's organisation.
    200 {"mac": ..., "state": "seated" | "free_seating"}; 400 {"error": ...} otherwise.

From a shell, the same as a management command:
    python manage.py set_registration 000413A1B2C3 registered 00085D1610DE unregistered
    python manage.py set_registration --json statuses.json     (the body above; "-" = stdin)

Example:
    curl -X POST -H "Authorization: Bearer $PLATFORM_API_TOKEN" -H "Content-Type: application/json" \\
         -d '{"phones": [{"mac": "000413A1B2C3", "status": "registered"}]}' \\
         https://connect.example/devices/platform/registration/
"""

import json

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from connect.lib.platform import authenticate_platform_request
from customers.models import User
from devices import operations
from devices.models import Phone, normalise_mac

MAX_ENTRIES = 20_000


_authenticate = authenticate_platform_request  # the one check of the platform's token


def _json_body(request):
    try:
        return json.loads(request.body.decode("utf-8")), None
    except RequestDataTooBig:
        return None, JsonResponse({"error": "body too large"}, status=413)
    except (UnicodeDecodeError, ValueError):
        return None, JsonResponse({"error": "body is not JSON"}, status=400)


def _authenticated_body(request):
    """(the JSON body, None) of an authenticated POST, else (None, the error response)."""
    error = _authenticate(request)
    if error is not None:
        return None, error
    return _json_body(request)


def parse_statuses(body):
    """[(mac, status)] from the request body, or raise ValueError."""
    entries = body.get("phones") if isinstance(body, dict) else body
    if not isinstance(entries, list):
        raise ValueError('expected {"phones": [{"mac": ..., "status": ...}, ...]}')
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} entries per request")
    pairs = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("every entry must be an object with mac and status")
        pairs.append((str(entry.get("mac", ""))[:64], str(entry.get("status", ""))[:32]))
    return pairs


@csrf_exempt
def registration(request):
    body, error = _authenticated_body(request)
    if error is not None:
        return error
    try:
        pairs = parse_statuses(body)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(operations.registration_update(statuses=pairs))


@csrf_exempt
def seating(request):
    body, error = _authenticated_body(request)
    if error is not None:
        return error
    if not isinstance(body, dict):
        return JsonResponse({"error": 'expected {"mac": ..., "username": ...}'}, status=400)
    try:
        mac = normalise_mac(str(body.get("mac", ""))[:64])
    except ValidationError:
        return JsonResponse({"error": "invalid mac"}, status=400)
    phone = Phone.objects.filter(mac=mac).first()
    if phone is None:
        return JsonResponse({"error": "unknown mac"}, status=404)
    username = body.get("username")
    user = None
    if username:
        user = User.objects.for_organisation(phone.organisation).filter(username=str(username).strip().lower()[:254]).first()
        if user is None:
            return JsonResponse({"error": "unknown user in the phone's organisation"}, status=400)
    try:
        phone = operations.phone_seat(phone=phone, user=user)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"mac": phone.mac, "state": phone.state})
