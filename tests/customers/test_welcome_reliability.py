"""Welcome messages against a real (local) SMS gateway that is slow, fails or answers twice, and
the double click: a web request makes at most one attempt and never waits for retries; retries
carry the message's idempotency key, back off with jitter and stop at a deadline; an unanswered
attempt is "not confirmed", never "failed"; a second click within the window queues nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customers.models import Job, OutboundMessage
from customers.operations.users import user_create, user_set_mobile
from customers.operations.welcome import (
    REPEAT_WINDOW,
    RetryPolicy,
    messages_due,
    messages_send,
    welcome_send,
)
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.sms_gateway import SLOW, Gateway


@pytest.fixture
def gateway_settings(settings):
    """The HTTP backend; a web request waits 0.3 s for the gateway, a worker (here) 60 s until a
    test lowers it: a slow gateway answers after 5 s, so a test that waited the worker's timeout
    inside the request would see the answer and fail."""
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_TOKEN = "t"
    settings.SMS_GATEWAY_TIMEOUT = 60
    settings.SMS_GATEWAY_EAGER_TIMEOUT = 0.3
    settings.SMS_GATEWAY_RETRIES = 4
    settings.SMS_GATEWAY_BACKOFF = 30
    settings.SMS_GATEWAY_DEADLINE = 3600
    return settings


def _post_sms(client, user, captured):
    with captured(execute=True):
        response = client.post(reverse("customers:user_welcome", args=[user.pk]), {"sms": "on"})
    assert response.status_code == 302
    return OutboundMessage.objects.get(user=user, channel="sms")


def _sweep(message):
    """Run the retry sweep at the moment the message's next attempt is due (a shifted clock)."""
    message.refresh_from_db()
    later = message.next_attempt_at
    assert later is not None
    outcome = messages_send(message_ids=messages_due(now=later), now=later)
    message.refresh_from_db()
    return outcome


def test_slow_gateway_holds_the_request_for_one_attempt_then_retries_with_the_same_key(
    client_a, anna, gateway_settings, django_capture_on_commit_callbacks
):
    with Gateway([SLOW] * 10) as gateway:
        gateway_settings.SMS_GATEWAY_URL = gateway.url
        before = timezone.now()
        message = _post_sms(client_a, anna, django_capture_on_commit_callbacks)
        assert (
            len(gateway.requests) == 1
        )  # the request made one attempt and did not wait for retries
        assert (message.status, message.attempts) == (OutboundMessage.Status.UNKNOWN, 1)
        assert (
            before + timedelta(seconds=15)
            <= message.next_attempt_at
            <= timezone.now() + timedelta(seconds=30)
        )
        page = client_a.get(reverse("customers:welcome_status", args=[anna.pk])).content.decode()
        assert "SMS to +4520304050: Not confirmed" in page and "did not answer in time" in page
        assert "next attempt" in page and "hx-get" not in page  # it waits minutes: no polling every 3 s
        gateway_settings.SMS_GATEWAY_TIMEOUT = 0.3  # the worker's own timeout, short for the test
        while message.next_attempt_at is not None:
            _sweep(message)
    # SMS_GATEWAY_RETRIES submissions in all, every one with the message's key; delivered once.
    assert len(gateway.requests) == 4
    assert set(gateway.keys()) == {str(message.idempotency_key)}
    assert len(gateway.deliveries) == 1
    assert message.status == OutboundMessage.Status.UNKNOWN  # never "failed": it may have arrived
    assert message.attempts == 4


def test_failing_gateway_5xx_then_ok_is_sent_by_the_retry(
    client_a, anna, gateway_settings, django_capture_on_commit_callbacks
):
    with Gateway([503, 200]) as gateway:
        gateway_settings.SMS_GATEWAY_URL = gateway.url
        message = _post_sms(client_a, anna, django_capture_on_commit_callbacks)
        assert len(gateway.requests) == 1
        assert message.status == OutboundMessage.Status.READY and "HTTP 503" in message.error
        assert messages_due() == []  # not before its time
        assert _sweep(message) == {"sent": 1}
    assert message.status == OutboundMessage.Status.SENT and message.attempts == 2
    assert gateway.keys() == [str(message.idempotency_key)] * 2 and len(gateway.deliveries) == 1
    anna.refresh_from_db()
    assert anna.welcome_sent_at is not None


def test_gateway_answering_late_then_again_delivers_once(
    client_a, anna, gateway_settings, django_capture_on_commit_callbacks
):
    """The first submission arrives but its answer does not; the retry carries the same key, the
    gateway answers it with the original message id and delivers nothing more."""
    with Gateway([SLOW, 200]) as gateway:
        gateway_settings.SMS_GATEWAY_URL = gateway.url
        message = _post_sms(client_a, anna, django_capture_on_commit_callbacks)
        assert message.status == OutboundMessage.Status.UNKNOWN
        assert _sweep(message) == {"sent": 1}
    assert message.status == OutboundMessage.Status.SENT
    assert len(gateway.requests) == 2 and len(set(gateway.keys())) == 1
    assert len(gateway.deliveries) == 1


def test_retries_stop_at_the_deadline(
    anna, admin_a, gateway_settings, django_capture_on_commit_callbacks
):
    gateway_settings.SMS_GATEWAY_RETRIES = 100
    gateway_settings.SMS_GATEWAY_BACKOFF = 300
    gateway_settings.SMS_GATEWAY_DEADLINE = 1800
    with Gateway([500] * 100) as gateway:
        gateway_settings.SMS_GATEWAY_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            (message,) = welcome_send(users=[anna], email=False, by=admin_a).messages
        message.refresh_from_db()
        while message.next_attempt_at is not None:
            _sweep(message)
    assert message.status == OutboundMessage.Status.FAILED and "HTTP 500" in message.error
    assert (
        2 <= len(gateway.requests) <= 4
    )  # 300 s doubling with jitter fits 2-4 attempts into 30 minutes
    assert message.last_attempt_at <= message.created_at + timedelta(seconds=1800)


def test_retry_waits_double_and_are_jittered():
    policy = RetryPolicy(attempts=10, backoff=30, deadline=10**6)
    now = timezone.now()
    for attempts, wait in [(1, 30), (2, 60), (3, 120)]:
        draws = {
            (policy.next_attempt(attempts=attempts, queued_at=now, now=now) - now).total_seconds()
            for _ in range(50)
        }
        assert all(wait / 2 <= d <= wait for d in draws)
        assert len(draws) > 1  # not all messages come back at the same moment
    assert policy.next_attempt(attempts=10, queued_at=now, now=now) is None


def test_bulk_send_to_a_slow_gateway_waits_for_one_attempt_only(
    client_a, anna, import_org, admin_a, gateway_settings, django_capture_on_commit_callbacks
):
    users = [anna]
    for index in range(2):
        user = user_create(
            organisation=import_org,
            username=f"u{index}@firma.dk",
            first_name="U",
            last_name=str(index),
            by=admin_a,
        )
        user_set_mobile(user=user, number=f"+452030406{index}", by=admin_a)
        users.append(user)
    with Gateway([SLOW] + [200] * 5) as gateway:
        gateway_settings.SMS_GATEWAY_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            response = client_a.post(
                reverse("customers:users_welcome"),
                {"users": [u.pk for u in users], "confirm": "1", "sms": "on"},
            )
        assert response.status_code == 302
        assert len(gateway.requests) == 1  # the gateway did not answer: the others wait, untried
        job = Job.objects.get(kind=Job.Kind.WELCOME)
        assert job.status == Job.Status.SUCCEEDED and job.counts["waiting"] == 3
        assert "3 messages are not confirmed yet and are retried automatically." in job.message_text
        messages = list(OutboundMessage.objects.filter(job=job).order_by("pk"))
        assert [m.attempts for m in messages] == [1, 0, 0]
        assert len({m.next_attempt_at for m in messages}) == 1  # they wait for the same moment
        gateway_settings.SMS_GATEWAY_TIMEOUT = 0.3
        assert _sweep(messages[0]) == {"sent": 3}
    assert set(OutboundMessage.objects.filter(job=job).values_list("status", flat=True)) == {"sent"}
    assert len(gateway.deliveries) == 3


def test_a_new_message_whose_task_was_lost_is_swept_up(
    anna, admin_a, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        (message,) = welcome_send(users=[anna], email=False, by=admin_a).messages
    assert messages_due() == []
    later = timezone.now() + timedelta(minutes=6)
    assert messages_due(now=later) == [message.pk]
    assert messages_send(message_ids=messages_due(now=later), now=later) == {"sent": 1}
    assert len(sms_outbox) == 1 and sms_outbox[0].idempotency_key == str(message.idempotency_key)


# --- the double click ----------------------------------------------------------------------------


def test_double_click_sends_one_welcome_message(
    client_a, anna, sms_outbox, django_capture_on_commit_callbacks
):
    url = reverse("customers:user_welcome", args=[anna.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client_a.post(url, {"email": "on", "sms": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        second = client_a.post(url, {"email": "on", "sms": "on"}, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert OutboundMessage.objects.filter(user=anna).count() == 2  # one e-mail, one SMS
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    assert (
        "The welcome message to anna@firma.dk was sent less than 2 minutes ago and is not sent again."
        in second.content.decode()
    )


def test_double_click_of_the_email_welcome_sends_one_email(
    client_a, anna, django_capture_on_commit_callbacks
):
    url = reverse("customers:user_welcome", args=[anna.pk])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client_a.post(url, {"email": "on"})
    assert (
        OutboundMessage.objects.filter(user=anna, channel="email").count() == 1
        and len(mail.outbox) == 1
    )


def test_double_click_of_the_bulk_send_queues_once(
    client_a, anna, import_org, admin_a, sms_outbox, django_capture_on_commit_callbacks
):
    bo = user_create(
        organisation=import_org,
        username="bo@firma.dk",
        first_name="Bo",
        last_name="Holm",
        by=admin_a,
    )
    user_set_mobile(user=bo, number="+4520304051", by=admin_a)
    data = {"users": [anna.pk, bo.pk], "confirm": "1", "sms": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("customers:users_welcome"), data)
    with django_capture_on_commit_callbacks(execute=True):
        second = client_a.post(reverse("customers:users_welcome"), data, follow=True)
    assert Job.objects.filter(kind=Job.Kind.WELCOME).count() == 1
    assert OutboundMessage.objects.count() == 2 and len(sms_outbox) == 2
    assert (
        "Not sent again (sent less than 2 minutes ago): anna@firma.dk, bo@firma.dk"
        in second.content.decode()
    )


def test_sending_again_after_the_window_sends_again(
    anna, admin_a, sms_outbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        first = welcome_send(users=[anna], by=admin_a, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        within = welcome_send(
            users=[anna], by=admin_a, now=now + REPEAT_WINDOW - timedelta(seconds=5)
        )
    with django_capture_on_commit_callbacks(execute=True):
        after = welcome_send(
            users=[anna], by=admin_a, now=now + REPEAT_WINDOW + timedelta(seconds=1)
        )
    assert len(first.messages) == 2 and within.messages == [] and within.repeated == [anna]
    assert len(after.messages) == 2
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2


def test_a_changed_number_or_a_failed_message_is_sent_again(
    anna, admin_a, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = welcome_send(users=[anna], email=False, by=admin_a).messages
    user_set_mobile(user=anna, number="+4520304059", by=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        (second,) = welcome_send(users=[anna], email=False, by=admin_a).messages
    OutboundMessage.objects.filter(pk=second.pk).update(status=OutboundMessage.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        (third,) = welcome_send(users=[anna], email=False, by=admin_a).messages
    assert [m.to for m in sms_outbox] == ["+4520304050", "+4520304059", "+4520304059"]


def test_double_click_of_the_smartphone_invitation_sends_one_sms(
    client_a, anna, sms_outbox, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_a.post(
                reverse("customers:smartphone_invite"), {"users": [anna.pk]}, follow=True
            )
    assert [m.to for m in sms_outbox] == ["+4520304050"]
    page = response.content.decode()
    assert (
        "was sent less than 2 minutes ago and is not sent again" in page
        and "An invitation is being sent" not in page
    )
