"""Welcome messages (USR-5): the dialog, e-mail and SMS from Celery after commit, the outbox that
never sends twice, the status on the user, the set-password link, and "in use since" events."""

import base64
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from connect.lib import sms as smslib
from customers import tasks
from customers.models import Job, OutboundMessage, User
from customers.operations.users import user_create, user_set_mobile
from customers.operations.welcome import (
    SendOutcome,
    message_send,
    messages_due,
    messages_send,
    welcome_send,
    welcome_token_generator,
)
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.factories import PASSWORD


@pytest.fixture
def bo(import_org, admin_a):
    """A user with an e-mail address but no mobile phone."""
    return user_create(organisation=import_org, username="bo@firma.dk", first_name="Bo", last_name="Holm", by=admin_a)


def _link(text):
    return re.search(r"http://[^\s\"<]+/welcome/[^\s\"<]+/", text).group(0)


def test_dialog_ticks_the_channels_the_user_has(client_a, anna, bo):
    page = client_a.get(reverse("customers:user_welcome", args=[anna.pk])).content.decode()
    assert 'name="email" id="welcome-email" checked' in page and 'name="sms" id="welcome-sms" checked' in page
    assert "+4520304050" in page
    page = client_a.get(reverse("customers:user_welcome", args=[bo.pk])).content.decode()
    assert 'name="email" id="welcome-email" checked' in page
    assert 'id="welcome-sms" checked' not in page and "(no mobile number)" in page


def test_sending_to_one_user_by_email_and_sms(client_a, anna, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("customers:user_welcome", args=[anna.pk]), {"email": "on", "sms": "on"})
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["anna@firma.dk"]
    assert email.subject == "Welcome to Connect at org-a"
    assert "anna@firma.dk" in email.body and "https://apps.apple.com/app/connect" in email.body
    html = email.alternatives[0][0]
    assert email.alternatives[0][1] == "text/html" and "Choose your password" in html
    assert _link(email.body) == _link(html)
    (sms,) = sms_outbox
    assert sms.to == "+4520304050" and "anna@firma.dk" in sms.text and "/welcome/" in sms.text
    messages = OutboundMessage.objects.filter(user=anna)
    assert {(m.channel, m.status) for m in messages} == {("email", "sent"), ("sms", "sent")}
    anna.refresh_from_db()
    assert anna.welcome_sent_at is not None
    # The status is visible on the user page (and the list icons turn orange: USR-2).
    page = client_a.get(reverse("customers:user_update", args=[anna.pk])).content.decode()
    assert "Welcome message sent" in page and "E-mail to anna@firma.dk: Sent" in page and "Invited, not used yet" in page


def test_messages_are_sent_only_after_commit(anna, admin_a, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        welcome_send(users=[anna], by=admin_a)
    assert len(callbacks) == 2 and mail.outbox == [] and sms_outbox == []
    assert set(OutboundMessage.objects.filter(user=anna).values_list("status", flat=True)) == {"ready"}
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


def test_a_retried_task_never_sends_twice(anna, admin_a, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = welcome_send(users=[anna], by=admin_a)
    for message in result.messages:
        assert tasks.send_message(message.pk) == SendOutcome.SKIPPED
        assert message_send(message_id=message.pk) == SendOutcome.SKIPPED
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


def test_a_message_being_sent_is_not_sent_again(anna, admin_a, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        result = welcome_send(users=[anna], email=False, by=admin_a)
    (message,) = result.messages
    # Another worker claimed it (and may have died after handing it to the gateway).
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.SENDING)
    assert tasks.send_message(message.pk) == SendOutcome.SKIPPED
    assert sms_outbox == []


def test_temporary_gateway_errors_are_retried_by_the_sweep_then_sent_once(anna, admin_a, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "locmem"
    smslib.outbox.clear()
    calls = []
    real = smslib.LocmemBackend.send

    def flaky(self, message):
        calls.append(message.idempotency_key)
        if len(calls) < 3:
            raise smslib.SmsTemporaryError("SMS gateway answered HTTP 503")
        return real(self, message)

    monkeypatch.setattr(smslib.LocmemBackend, "send", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        result = welcome_send(users=[anna], email=False, by=admin_a)
    (message,) = result.messages
    message.refresh_from_db()
    assert (message.status, message.attempts, len(calls)) == ("ready", 1, 1)  # one attempt, no waiting
    assert tasks.messages_retry() == {}  # not due yet
    for _ in range(2):
        message.refresh_from_db()
        later = message.next_attempt_at
        messages_send(message_ids=messages_due(now=later), now=later)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT and message.attempts == 3
    assert len(smslib.outbox) == 1 and set(calls) == {str(message.idempotency_key)}
    smslib.outbox.clear()


def test_permanent_gateway_error_is_shown_on_the_user(client_a, anna, admin_a, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "locmem"

    def refused(self, message):
        raise smslib.SmsPermanentError("SMS gateway refused the message (HTTP 400)")

    monkeypatch.setattr(smslib.LocmemBackend, "send", refused)
    with django_capture_on_commit_callbacks(execute=True):
        welcome_send(users=[anna], by=admin_a)
    sms = OutboundMessage.objects.get(user=anna, channel="sms")
    assert (sms.status, sms.attempts) == ("failed", 1)
    anna.refresh_from_db()
    assert anna.welcome_sent_at is not None  # the e-mail went out
    page = client_a.get(reverse("customers:welcome_status", args=[anna.pk])).content.decode()
    assert "SMS to +4520304050: Failed" in page and "HTTP 400" in page


def test_bulk_send_runs_as_a_job_and_lists_skipped_users(client_a, anna, bo, import_org, admin_a, sms_outbox, django_capture_on_commit_callbacks):
    nobody = user_create(organisation=import_org, username="nomail@firma.dk", first_name="No", last_name="Mail", email="", by=admin_a)
    User.objects.filter(pk=nobody.pk).update(email="")
    ids = [anna.pk, bo.pk, nobody.pk]
    step1 = client_a.post(reverse("customers:users_welcome"), {"users": ids})
    page = step1.content.decode()
    assert step1.status_code == 200 and "3 selected users" in page and "anna@firma.dk" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("customers:users_welcome"), {"users": ids, "confirm": "1", "sms": "on"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job = Job.objects.get(kind=Job.Kind.WELCOME)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.counts["sent"] == 1 and job.counts["skip"] == 2
    assert [m.to for m in sms_outbox] == ["+4520304050"]
    assert mail.outbox == []
    followed = client_a.get(response["Location"]).content.decode()
    assert "Skipped (no e-mail address or mobile number for the chosen channels): bo@firma.dk, nomail@firma.dk" in followed
    assert "1 messages sent to 1 users, 0 failed." in followed
    # Running the job again sends nothing twice.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    tasks.welcome_job(job.pk)
    assert len(sms_outbox) == 1


def test_bulk_send_with_another_organisations_user_changes_nothing(client_a, anna, org_b, admin_b, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("customers:users_welcome"), {"users": [anna.pk, admin_b.pk], "confirm": "1", "email": "on"})
    assert response.status_code == 302
    assert not OutboundMessage.objects.exists() and mail.outbox == []


def test_another_organisations_user_is_a_404(client_b, anna):
    assert client_b.get(reverse("customers:user_welcome", args=[anna.pk])).status_code == 404
    assert client_b.post(reverse("customers:user_welcome", args=[anna.pk]), {"email": "on"}).status_code == 404
    assert client_b.get(reverse("customers:welcome_status", args=[anna.pk])).status_code == 404
    assert not OutboundMessage.objects.exists()


def test_no_channel_chosen_or_available(client_a, bo, django_capture_on_commit_callbacks):
    response = client_a.post(reverse("customers:user_welcome", args=[bo.pk]), {})
    assert "Choose e-mail, SMS or both." in response.content.decode()
    response = client_a.post(reverse("customers:user_welcome", args=[bo.pk]), {"sms": "on"})
    assert "no e-mail address or mobile number for the chosen channels" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_smartphone_invitation_sends_the_welcome_sms(client_a, anna, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("customers:smartphone_invite"), {"users": [anna.pk]})
    assert [m.to for m in sms_outbox] == ["+4520304050"] and mail.outbox == []
    page = client_a.get(reverse("customers:smartphone_list")).content.decode()
    anna.refresh_from_db()
    assert anna.welcome_sent_at is not None and "anna@firma.dk" in page


# --- the set-password link -----------------------------------------------------------------------


def _welcome_link(anna, admin_a, captured):
    with captured(execute=True):
        welcome_send(users=[anna], sms=False, by=admin_a)
    return _link(mail.outbox[-1].body).split("127.0.0.1:8000", 1)[1]


def test_set_password_link_lets_the_user_choose_a_password(client, anna, admin_a, django_capture_on_commit_callbacks):
    path = _welcome_link(anna, admin_a, django_capture_on_commit_callbacks)
    response = client.get(path, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "Choose the password for your user" in page and "anna@firma.dk" in page
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Sommer-i-Skagen-2026", "new_password2": "Sommer-i-Skagen-2026"}, follow=True)
    page = response.content.decode()
    assert "Your password is saved" in page and "https://apps.apple.com/app/connect" in page and "PC/Mac client" in page
    anna.refresh_from_db()
    assert anna.check_password("Sommer-i-Skagen-2026")
    signed_in = client.__class__().post(reverse("login"), {"username": "anna@firma.dk", "password": "Sommer-i-Skagen-2026"})
    assert signed_in.status_code == 302
    # One-time: the same link no longer works.
    again = client.get(path, follow=True)
    assert again.status_code == 404 and "The link is no longer valid" in again.content.decode()


def test_set_password_checks_the_password_rules(client, anna, admin_a, django_capture_on_commit_callbacks):
    path = _welcome_link(anna, admin_a, django_capture_on_commit_callbacks)
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert "This password is too short." in response.content.decode()
    anna.refresh_from_db()
    assert not anna.has_usable_password()


def test_link_is_valid_7_days(anna, monkeypatch):
    token = welcome_token_generator.make_token(anna)
    now = welcome_token_generator._now()
    monkeypatch.setattr(welcome_token_generator, "_now", lambda: now + timedelta(days=6, hours=23))
    assert welcome_token_generator.check_token(anna, token)
    monkeypatch.setattr(welcome_token_generator, "_now", lambda: now + timedelta(days=7, hours=1))
    assert not welcome_token_generator.check_token(anna, token)


def test_password_reset_tokens_are_not_welcome_tokens(anna):
    from django.contrib.auth.tokens import default_token_generator

    assert not welcome_token_generator.check_token(anna, default_token_generator.make_token(anna))
    assert not welcome_token_generator.check_token(anna, "garbage")


def test_garbage_link_is_a_404(client, db):
    assert client.get("/welcome/MTIz/abc-def/").status_code == 404


# --- "in use since" events -------------------------------------------------------------------------


def _basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _report(client, client_kind, username="anna@firma.dk", password=PASSWORD):
    return client.post(
        reverse("customers:client_first_use"),
        data=json.dumps({"client": client_kind}),
        content_type="application/json",
        HTTP_AUTHORIZATION=_basic(username, password),
    )


@pytest.fixture
def anna_with_password(anna):
    anna.set_password(PASSWORD)
    anna.save()
    return anna


def test_mobile_app_reports_its_first_use_once(client, anna_with_password):
    response = _report(client, "mobile")
    assert response.status_code == 200
    first = response.json()["first_used_at"]
    anna = User.objects.get(pk=anna_with_password.pk)
    assert anna.mobile_app_first_used_at is not None and anna.desktop_client_first_used_at is None
    assert _report(client, "mobile").json()["first_used_at"] == first
    assert _report(client, "desktop").status_code == 200
    assert User.objects.get(pk=anna.pk).desktop_client_first_used_at is not None


def test_first_use_shows_on_the_user_and_the_smartphone_list(client_a, client, anna_with_password, admin_a):
    client_api = client.__class__()
    assert _report(client_api, "mobile").status_code == 200
    page = client_a.get(reverse("customers:welcome_status", args=[anna_with_password.pk])).content.decode()
    assert "In use since" in page


def test_first_use_needs_valid_credentials(client, anna_with_password):
    assert _report(client, "mobile", password="wrong").status_code == 401
    response = client.post(reverse("customers:client_first_use"), data=json.dumps({"client": "mobile"}), content_type="application/json")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert _report(client, "tablet").status_code == 400
    assert client.get(reverse("customers:client_first_use")).status_code == 405
    assert User.objects.get(pk=anna_with_password.pk).mobile_app_first_used_at is None


def test_first_use_endpoint_is_protected_against_guessing(client, anna_with_password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _report(client, "mobile", password="guess").status_code == 401
    assert _report(client, "mobile", password="guess").status_code == 429  # locked out
    response = _report(client, "mobile")  # even the right password is refused now
    assert response.status_code == 429
    assert User.objects.get(pk=anna_with_password.pk).mobile_app_first_used_at is None


def test_portal_first_sign_in_is_the_last_login(client, client_a, anna_with_password):
    assert anna_with_password.last_login is None
    client_user = client.__class__()
    client_user.post(reverse("login"), {"username": "anna@firma.dk", "password": PASSWORD})
    anna = User.objects.get(pk=anna_with_password.pk)
    assert anna.last_login is not None and timezone.now() - anna.last_login < timedelta(minutes=1)
    page = client_a.get(reverse("customers:welcome_status", args=[anna.pk])).content.decode()
    assert "Last login" in page


def test_messages_are_in_each_users_language(anna, bo, admin_a, danish, sms_outbox, django_capture_on_commit_callbacks):
    User.objects.filter(pk=bo.pk).update(language="da")
    bo.refresh_from_db()
    user_set_mobile(user=bo, number="+4520304051", by=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        welcome_send(users=[anna], by=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        welcome_send(users=[bo], by=admin_a)
    english, danish_mail = mail.outbox
    assert english.subject == "Welcome to Connect at org-a"
    assert danish_mail.subject == "Velkommen til Connect hos org-a"
    assert "Dit brugernavn: bo@firma.dk" in danish_mail.body and "Mobil-app til iPhone:" in danish_mail.body
    assert "Vælg din adgangskode" in danish_mail.alternatives[0][0]
    assert sms_outbox[-1].text.startswith("Velkommen til Connect, Bo! Dit brugernavn er bo@firma.dk.")


def test_dialog_and_status_in_danish(client_a, anna, admin_a, danish):
    admin_a.language = "da"
    admin_a.save()
    page = client_a.get(reverse("customers:user_welcome", args=[anna.pk])).content.decode()
    assert "Send velkomstmeddelelse" in page and ">Luk</a>" in page and "Ikke inviterede" in page


def test_set_password_pages_speak_the_users_language(client, bo, admin_a, danish, django_capture_on_commit_callbacks):
    User.objects.filter(pk=bo.pk).update(language="da")
    bo.refresh_from_db()
    path = _welcome_link(bo, admin_a, django_capture_on_commit_callbacks)
    response = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Velkommen til Connect" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "Sommer-i-Skagen-2026", "new_password2": "Sommer-i-Skagen-2026"}, follow=True)
    assert "Din adgangskode er gemt" in done.content.decode()


def test_messages_stuck_while_sending_are_marked_not_confirmed_never_resent(client_a, anna, admin_a, sms_outbox, django_capture_on_commit_callbacks):
    from customers.operations.welcome import messages_cleanup

    with django_capture_on_commit_callbacks(execute=False):
        result = welcome_send(users=[anna], email=False, by=admin_a)
    (message,) = result.messages
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.SENDING)
    assert messages_cleanup() == 0
    assert messages_cleanup(now=timezone.now() + timedelta(hours=2)) == 1
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.UNKNOWN and "not confirmed" in message.error
    assert tasks.send_message(message.pk) == SendOutcome.SKIPPED and sms_outbox == []
    page = client_a.get(reverse("customers:welcome_status", args=[anna.pk])).content.decode()
    assert "Not confirmed — Delivery not confirmed" in page
