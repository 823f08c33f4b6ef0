"""Welcome messages (USR-5, DEV-5) and the clients' "in use since" events.

`welcome_send(*, users, email=True, sms=True, by)` records one OutboundMessage per user and
channel (e-mail to the user's address, SMS to the user's mobile phone, i.e. the registry row with
purpose "mobile") and sends them from Celery once the transaction commits: one user directly
(`customers.send_message` per message), several users as a Job (`customers.welcome_job`, with a
progress bar). Users without any address for the chosen channels are skipped and returned in
`skipped`. A second request for the same messages within REPEAT_WINDOW (a double click) queues
nothing: the users' rows are locked first, so even two concurrent requests queue one message.

Sending (`message_send(message_id=...)`) is ONE attempt, never a loop: the message is claimed
(READY/UNKNOWN -> SENDING, a conditional update) before it goes to the transport, so a retried
or redelivered task never sends it twice at once. A failed attempt leaves it in the outbox with
the time of its next attempt (RetryPolicy: doubling backoff with jitter, a maximum number of
attempts and a total deadline; for SMS the SMS_GATEWAY_* settings); the Celery beat task
`customers.messages_retry` makes the due attempts. An attempt that got no answer (a timeout)
may have been delivered: the message becomes UNKNOWN, never FAILED, and every attempt carries
the message's idempotency key, so a gateway that honours it delivers once.
When tasks run eagerly (no worker: the demo), sending happens inside the web request, so it
must not wait: one attempt, SMS_GATEWAY_EAGER_TIMEOUT for the gateway, and a bulk send stops
talking to a failing transport after its first failure (`messages_send`). The messages left
waiting are sent by `customers.messages_retry` once a worker and beat run.
When a message is SENT the user's `welcome_sent_at` is set (USR-2 icons, DEV-5 "Inviterede").

The message carries the username, the download links (settings.CLIENT_DOWNLOAD_*) and a one-time
set-password link valid 7 days (`welcome_token_generator`), in the user's language. The link is
built at send time and never stored.

`client_first_use(*, user, client)` records the first use of the mobile app or the PC/Mac client
(DEV-5 "Bruges siden"); the portal's own first sign-in is the user's last_login.
"""

import random
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connect.lib import sms as smslib
from connect.lib.audit import audit_record
from connect.lib.i18n import message as stored_message
from customers.models import AuditEntry, Job, Number, OutboundMessage, User

WELCOME_LINK_DAYS = 7
# A second "send welcome message" for the same user, channel and recipient within this window
# (a double click, an impatient second click) queues nothing.
REPEAT_WINDOW = timedelta(minutes=2)


class WelcomeTokenGenerator(PasswordResetTokenGenerator):
    """Set-password tokens of welcome messages: valid WELCOME_LINK_DAYS days, one-time (the hash
    covers the password hash and last login, so setting the password spends the link)."""

    key_salt = "customers.operations.welcome.WelcomeTokenGenerator"
    timeout = WELCOME_LINK_DAYS * 24 * 60 * 60

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= self.timeout


welcome_token_generator = WelcomeTokenGenerator()


def set_password_url(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = welcome_token_generator.make_token(user)
    path = reverse("customers:set_password", kwargs={"uidb64": uid, "token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def download_links():
    return {
        "ios": settings.CLIENT_DOWNLOAD_IOS_URL,
        "android": settings.CLIENT_DOWNLOAD_ANDROID_URL,
        "desktop": settings.CLIENT_DOWNLOAD_DESKTOP_URL,
        "portal": settings.USER_PORTAL_URL,
    }


def user_language(user):
    code = getattr(user, "language", None)
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def mobile_numbers(users):
    """{user_id: mobile number} of the users (one query)."""
    ids = [u.pk for u in users]
    return dict(Number.objects.filter(user_id__in=ids, purpose=Number.Purpose.MOBILE).values_list("user_id", "number"))


def available_channels(user, mobile=None):
    """(has e-mail, has mobile) for the dialog's default checkboxes."""
    if mobile is None:
        mobile = mobile_numbers([user]).get(user.pk)
    return bool(user.email), bool(mobile)


@dataclass
class WelcomeResult:
    messages: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # users without an address for the chosen channels
    repeated: list = field(default_factory=list)  # users whose messages were queued moments ago
    job: object = None


def welcome_send(*, users, email=True, sms=True, by, organisation=None, now=None):
    """Queue welcome messages for `users` (all of `organisation`, default: the first user's);
    see the module docstring. A message queued for the same user, channel and recipient less
    than REPEAT_WINDOW before `now` (and not failed) is not queued again: a double click sends
    one message. Returns a WelcomeResult."""
    now = now or timezone.now()
    users = list(users)
    if not users:
        raise ValidationError(_("Choose at least one user."), code="no_users")
    if not (email or sms):
        raise ValidationError(_("Choose e-mail, SMS or both."), code="no_channel")
    organisation = organisation or users[0].organisation
    if organisation is None or any(u.organisation_id != organisation.pk for u in users):
        raise ValidationError(_("Choose users of the organisation."), code="invalid_choice")
    mobiles = mobile_numbers(users) if sms else {}
    result = WelcomeResult()
    planned = []
    for user in users:
        channels = []
        if email and user.email:
            channels.append((OutboundMessage.Channel.EMAIL, user.email))
        if sms and mobiles.get(user.pk):
            channels.append((OutboundMessage.Channel.SMS, mobiles[user.pk]))
        if channels:
            planned.append((user, channels))
        else:
            result.skipped.append(user)
    if not planned:
        return result
    with transaction.atomic():
        planned = _not_repeated(planned, now, result)
        if not planned:
            return result
        job = None
        if len(users) > 1:
            from connect.lib.jobs import job_start

            job = job_start(
                organisation=organisation,
                kind=Job.Kind.WELCOME,
                task="customers.welcome_job",
                by=by,
                params={"email": bool(email), "sms": bool(sms), "users": len(planned), "skipped": len(result.skipped)},
                stage=Job.Stage.RUN,
            )
        creator = by if getattr(by, "pk", None) else None
        messages = [
            OutboundMessage(
                organisation=organisation,
                user=user,
                job=job,
                channel=channel,
                purpose=OutboundMessage.Purpose.WELCOME,
                recipient=recipient,
                created_by=creator,
            )
            for user, channels in planned
            for channel, recipient in channels
        ]
        OutboundMessage.objects.bulk_create(messages, batch_size=1000)
        if any(m.pk is None for m in messages):  # pragma: no cover - databases without RETURNING
            messages = list(OutboundMessage.objects.filter(job=job) if job else OutboundMessage.objects.filter(user=users[0]).order_by("-pk")[: len(messages)])
        if len(planned) <= 20:
            for user, channels in planned:
                audit_record(
                    actor=by,
                    action=AuditEntry.Action.UPDATE,
                    obj=user,
                    changes={"welcome_message": [None, ", ".join(str(OutboundMessage.Channel(c).label) for c, _r in channels)]},
                )
        else:
            _bulk_audit(planned, by, organisation)
        if job is None:
            from customers.tasks import send_message

            for message in messages:
                message_id = message.pk
                transaction.on_commit(lambda mid=message_id: send_message.delay(mid), robust=True)
        result.messages = messages
        result.job = job
    return result


def _not_repeated(planned, now, result):
    """`planned` without the messages queued within REPEAT_WINDOW before `now` (their users go to
    result.repeated). Runs inside the sending transaction and first locks the users' rows, in one
    order, so a concurrent second request waits for the first one's commit and then sees its
    messages: two requests never both queue (on SQLite the IMMEDIATE transaction serialises)."""
    ids = sorted(user.pk for user, _channels in planned)
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    recent = set(
        OutboundMessage.objects.filter(user_id__in=ids, purpose=OutboundMessage.Purpose.WELCOME, created_at__gt=now - REPEAT_WINDOW)
        .exclude(status=OutboundMessage.Status.FAILED)
        .values_list("user_id", "channel", "recipient")
    )
    if not recent:
        return planned
    kept = []
    for user, channels in planned:
        fresh = [(channel, recipient) for channel, recipient in channels if (user.pk, channel, recipient) not in recent]
        if fresh:
            kept.append((user, fresh))
        else:
            result.repeated.append(user)
    return kept


def _bulk_audit(planned, by, organisation):
    from django.contrib.contenttypes.models import ContentType

    actor = by if getattr(by, "pk", None) else None
    ct = ContentType.objects.get_for_model(User)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                organisation=organisation,
                actor=actor,
                actor_name=str(actor) if actor else "system",
                via_support=bool(actor and actor.is_staff and actor.organisation_id != organisation.pk),
                action=AuditEntry.Action.UPDATE,
                content_type=ct,
                object_id=str(user.pk),
                object_repr=str(user)[:255],
                changes={"welcome_message": [None, ", ".join(str(OutboundMessage.Channel(c).label) for c, _r in channels)]},
            )
            for user, channels in planned
        ],
        batch_size=1000,
    )


# --- sending ------------------------------------------------------------------------------------


class SendOutcome:
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"  # not sent by this attempt; waits in the outbox for its next attempt
    UNKNOWN = "unknown"  # given up after an unanswered attempt: delivery not confirmed
    SKIPPED = "skipped"  # not due: sent, being sent, finished, or waiting for its next attempt


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one message is tried (see the module docstring)."""

    attempts: int  # the most attempts per message, the first included
    backoff: float  # seconds before the first retry, doubling after each
    deadline: float  # seconds after the message was queued; no attempt starts later

    def next_attempt(self, *, attempts, queued_at, now):
        """When to try again after `attempts` attempts, or None to give up. Each wait is drawn
        between half and all of the doubled backoff, so messages that failed together (a gateway
        outage) do not all come back at the same moment."""
        if attempts >= self.attempts:
            return None
        wait = self.backoff * 2 ** min(attempts - 1, 30)
        at = now + timedelta(seconds=random.uniform(wait / 2, wait))
        if at > queued_at + timedelta(seconds=self.deadline):
            return None
        return at


EMAIL_RETRY_POLICY = RetryPolicy(attempts=5, backoff=30.0, deadline=3600.0)


def retry_policy(channel):
    if channel == OutboundMessage.Channel.SMS:
        return RetryPolicy(
            attempts=max(1, int(settings.SMS_GATEWAY_RETRIES)),
            backoff=float(settings.SMS_GATEWAY_BACKOFF),
            deadline=float(settings.SMS_GATEWAY_DEADLINE),
        )
    return EMAIL_RETRY_POLICY


def _context(user):
    return {
        "user": user,
        "organisation": user.organisation,
        "set_password_url": set_password_url(user),
        "links": download_links(),
        "valid_days": WELCOME_LINK_DAYS,
    }


def render_welcome_email(user):
    """(subject, text, html) in the user's language."""
    with translation.override(user_language(user)):
        context = _context(user)
        subject = " ".join(render_to_string("emails/welcome-subject.txt", context).split())
        text = render_to_string("emails/welcome-body.txt", context)
        html = render_to_string("emails/welcome-body.html", context)
    return subject, text, html


def render_welcome_sms(user):
    with translation.override(user_language(user)):
        context = _context(user)
        return gettext(
            "Welcome to Connect, %(name)s! Your username is %(username)s. Choose your password here "
            "(valid %(days)d days): %(url)s Get the app for iPhone: %(ios)s or Android: %(android)s"
        ) % {
            "name": user.first_name or user.username,
            "username": user.username,
            "days": WELCOME_LINK_DAYS,
            "url": context["set_password_url"],
            "ios": context["links"]["ios"],
            "android": context["links"]["android"],
        }


def _deliver(message, *, inline):
    user = message.user
    if message.channel == OutboundMessage.Channel.EMAIL:
        subject, text, html = render_welcome_email(user)
        mail = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [message.recipient])
        mail.attach_alternative(html, "text/html")
        mail.send(fail_silently=False)
    else:
        smslib.send_sms(
            message.recipient,
            render_welcome_sms(user),
            idempotency_key=str(message.idempotency_key),
            timeout=settings.SMS_GATEWAY_EAGER_TIMEOUT if inline else None,
        )


def _due(now):
    """New messages (never tried, not deferred) and those whose next attempt has come; a message
    without a next attempt that is not new is finished."""
    return Q(status=OutboundMessage.Status.READY, next_attempt_at__isnull=True, attempts=0) | Q(next_attempt_at__lte=now)


def _claim(message_id, now):
    """READY/UNKNOWN -> SENDING if due, with one conditional update; returns the status the message
    had (an UNKNOWN message stays unconfirmed whatever its later attempts say), or None."""
    for status in (OutboundMessage.Status.UNKNOWN, OutboundMessage.Status.READY):
        claimed = OutboundMessage.objects.filter(_due(now), pk=message_id, status=status).update(
            status=OutboundMessage.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None
        )
        if claimed:
            return status
    return None


def message_send(*, message_id, inline=False, now=None):
    """Make ONE attempt at sending a message that is due (see the module docstring); never sleeps
    and never retries by itself. `inline`: the caller is a web request (tasks run eagerly), so the
    SMS gateway gets SMS_GATEWAY_EAGER_TIMEOUT seconds instead of SMS_GATEWAY_TIMEOUT. An attempt
    that fails for a passing reason (5xx, unreachable) leaves the message READY, one that got no
    answer leaves it UNKNOWN, both with the time of their next attempt (RetryPolicy); once the
    attempts or the deadline run out it is FAILED, or stays UNKNOWN when an attempt went
    unanswered. Returns a SendOutcome value."""
    now = now or timezone.now()
    previous = _claim(message_id, now)
    if previous is None:
        return SendOutcome.SKIPPED
    message = OutboundMessage.objects.select_related("user", "user__organisation").get(pk=message_id)
    unanswered = previous == OutboundMessage.Status.UNKNOWN
    if message.user is None:
        return _give_up(message, "The user no longer exists.", unanswered)
    try:
        _deliver(message, inline=inline)
    except (smslib.SmsPermanentError, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        return _give_up(message, _safe_error(exc), unanswered)
    except smslib.SmsUnknownError as exc:
        return _try_again(message, _safe_error(exc), True, now)
    except (smslib.SmsTemporaryError, smtplib.SMTPException, OSError) as exc:
        return _try_again(message, _safe_error(exc), unanswered, now)
    OutboundMessage.objects.filter(pk=message_id).update(status=OutboundMessage.Status.SENT, sent_at=now, error="")
    User.objects.filter(pk=message.user_id).update(welcome_sent_at=now)
    return SendOutcome.SENT


def _try_again(message, error, unanswered, now):
    at = retry_policy(message.channel).next_attempt(attempts=message.attempts, queued_at=message.created_at, now=now)
    if at is None:
        return _give_up(message, error, unanswered)
    status = OutboundMessage.Status.UNKNOWN if unanswered else OutboundMessage.Status.READY
    OutboundMessage.objects.filter(pk=message.pk).update(status=status, next_attempt_at=at, error=error)
    return SendOutcome.RETRY


def _give_up(message, error, unanswered):
    status = OutboundMessage.Status.UNKNOWN if unanswered else OutboundMessage.Status.FAILED
    OutboundMessage.objects.filter(pk=message.pk).update(status=status, next_attempt_at=None, error=error[:500])
    return SendOutcome.UNKNOWN if unanswered else SendOutcome.FAILED


def messages_send(*, message_ids, inline=False, now=None, progress=None):
    """Make one attempt at each due message of `message_ids`, in order (a bulk send, the retry
    sweep). After an attempt that failed for want of the transport (RETRY), the remaining
    messages of that channel are not tried now but wait until that message's next attempt: a
    gateway that is down or slow costs one timeout per run, not one per message, and a web
    request (`inline`) never waits for more than one. Returns {SendOutcome value: count}."""
    now = now or timezone.now()
    message_ids = list(message_ids)
    channels = dict(OutboundMessage.objects.filter(pk__in=message_ids).values_list("pk", "channel"))
    held = {}  # channel -> until when its remaining messages wait
    outcomes = {}
    for index, message_id in enumerate(message_ids, start=1):
        channel = channels.get(message_id)
        if channel in held:
            _defer(message_id, held[channel], now)
            outcome = SendOutcome.RETRY
        else:
            outcome = message_send(message_id=message_id, inline=inline, now=now)
            if outcome == SendOutcome.RETRY:
                held[channel] = OutboundMessage.objects.filter(pk=message_id).values_list("next_attempt_at", flat=True).first()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if progress:
            progress(index, len(message_ids))
    return outcomes


def _defer(message_id, until, now):
    """A due message waits until `until` (no attempt is spent)."""
    OutboundMessage.objects.filter(
        _due(now), pk=message_id, status__in=[OutboundMessage.Status.READY, OutboundMessage.Status.UNKNOWN]
    ).update(next_attempt_at=until)


LOST_TASK_MINUTES = 5


def messages_due(*, now=None, limit=500):
    """Ids of the messages whose next attempt has come, and of new messages nobody has tried for
    LOST_TASK_MINUTES (their task was lost), oldest first: the retry sweep's work."""
    now = now or timezone.now()
    waiting = Q(next_attempt_at__lte=now) | Q(
        status=OutboundMessage.Status.READY,
        next_attempt_at__isnull=True,
        attempts=0,
        created_at__lte=now - timedelta(minutes=LOST_TASK_MINUTES),
    )
    return list(
        OutboundMessage.objects.filter(waiting, status__in=[OutboundMessage.Status.READY, OutboundMessage.Status.UNKNOWN])
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _safe_error(exc):
    if isinstance(exc, smslib.SmsError):
        return str(exc)[:500]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "SMTP: recipient refused"
    return f"{type(exc).__name__}"[:500]


def message_mark_failed(*, message_id, error):
    """A sender task gave up: a message still READY or SENDING is marked failed."""
    OutboundMessage.objects.filter(
        pk=message_id, status__in=[OutboundMessage.Status.READY, OutboundMessage.Status.SENDING]
    ).update(status=OutboundMessage.Status.FAILED, error=str(error)[:500])


STALE_SENDING_MINUTES = 60


def messages_cleanup(now=None):
    """Messages stuck in SENDING (the sender died after handing them over, or before) for an hour
    are marked UNKNOWN ("not confirmed"), so the admin sees them; they are never sent again
    automatically."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=STALE_SENDING_MINUTES)
    return (
        OutboundMessage.objects.filter(status=OutboundMessage.Status.SENDING)
        .filter(Q(last_attempt_at__lt=cutoff) | Q(last_attempt_at__isnull=True, created_at__lt=cutoff))
        .update(status=OutboundMessage.Status.UNKNOWN, next_attempt_at=None, error="Delivery not confirmed: the sender stopped while sending.")
    )


class WelcomeJobHandler:
    """The RUN stage of a bulk welcome job: one attempt at each of the job's messages
    (`messages_send`; idempotent: messages already sent, failed or waiting are skipped). Messages
    that could not be sent yet wait in the outbox for the retry sweep."""

    def run(self, job, progress):
        ids = list(job.messages.order_by("pk").values_list("pk", flat=True))
        total = len(ids)
        messages_send(message_ids=ids, inline=_running_inline(), progress=progress)
        statuses = list(job.messages.values_list("status", flat=True))
        sent = statuses.count(OutboundMessage.Status.SENT)
        failed = statuses.count(OutboundMessage.Status.FAILED)
        waiting = total - sent - failed
        users = job.messages.values("user_id").distinct().count()
        skipped = int((job.params or {}).get("skipped", 0))
        # Stored as msgids with parameters: the job page shows them in the reader's language.
        summary = [
            stored_message(_("%(sent)d messages sent to %(users)d users, %(failed)d failed."), sent=sent, users=users, failed=failed)
        ]
        if waiting:
            summary.append(stored_message(_("%(count)d messages are not confirmed yet and are retried automatically."), count=waiting))
        if skipped:
            summary.append(stored_message(_("%(count)d users had no e-mail address or mobile number and were skipped."), count=skipped))
        return {
            "counts": {"sent": sent, "failed": failed, "waiting": waiting, "total": total, "users": users, "skip": skipped},
            "progress_done": total,
            "progress_total": total,
            "message": summary,
        }


def _running_inline():
    """True when the current Celery task runs in its caller's process (tasks run eagerly, so the
    caller is a web request)."""
    from celery import current_task

    return bool(current_task and current_task.request.is_eager)


# --- first use (DEV-5, USR-2 icons) --------------------------------------------------------------

CLIENT_FIELDS = {"mobile": "mobile_app_first_used_at", "desktop": "desktop_client_first_used_at"}


def client_first_use(*, user, client):
    """Record the first use of a client ("mobile" or "desktop"); later calls change nothing.
    Returns the first-use time."""
    if client not in CLIENT_FIELDS:
        raise ValidationError(_("Unknown client."), code="invalid_choice")
    name = CLIENT_FIELDS[client]
    now = timezone.now()
    if User.objects.filter(pk=user.pk, **{f"{name}__isnull": True}).update(**{name: now}):
        audit_record(actor=user, action=AuditEntry.Action.UPDATE, obj=user, changes={name: [None, str(now)]})
    return User.objects.filter(pk=user.pk).values_list(name, flat=True).first()


def latest_messages(user):
    """The user's newest welcome message per channel (for the status partial)."""
    latest = {}
    for message in OutboundMessage.objects.filter(user=user, purpose=OutboundMessage.Purpose.WELCOME).order_by("-created_at", "-pk")[:20]:
        latest.setdefault(message.channel, message)
    return [latest[c] for c in (OutboundMessage.Channel.EMAIL, OutboundMessage.Channel.SMS) if c in latest]
