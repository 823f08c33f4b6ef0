"""Welcome messages (USR-5, DEV-5) and the clients' "in use since" events.

`welcome_send(*, users, email=True, sms=True, by)` records one OutboundMessage per user and
channel (e-mail to the user's address, SMS to the user's mobile phone, i.e. the registry row with
purpose "mobile") and sends them from Celery once the transaction commits: one user directly
(`customers.send_message` per message, retried with backoff on transport errors), several users as
a Job (`customers.welcome_job`, with a progress bar). Users without any address for the chosen
channels are skipped and returned in `skipped`.

`message_send(message_id=...)` claims a READY message (READY -> SENDING, a conditional update)
before handing it to the transport, so a retried or redelivered task never sends it twice. When
a message is SENT the user's `welcome_sent_at` is set (USR-2 icons, DEV-5 "Inviterede").

The message carries the username, the download links (settings.CLIENT_DOWNLOAD_*) and a one-time
set-password link valid 7 days (`welcome_token_generator`), in the user's language. The link is
built at send time and never stored.

`client_first_use(*, user, client)` records the first use of the mobile app or the PC/Mac client
(DEV-5 "Bruges siden"); the portal's own first sign-in is the user's last_login.
"""

import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
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
from customers.models import AuditEntry, Job, Number, OutboundMessage, User

WELCOME_LINK_DAYS = 7
MAX_SEND_ATTEMPTS = 5


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
    job: object = None


def welcome_send(*, users, email=True, sms=True, by, organisation=None):
    """Queue welcome messages for `users` (all of `organisation`, default: the first user's);
    see the module docstring. Returns a WelcomeResult."""
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
    RETRY = "retry"
    SKIPPED = "skipped"  # not READY: sent, being sent or failed already


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


def _deliver(message):
    user = message.user
    if message.channel == OutboundMessage.Channel.EMAIL:
        subject, text, html = render_welcome_email(user)
        mail = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [message.recipient])
        mail.attach_alternative(html, "text/html")
        mail.send(fail_silently=False)
    else:
        smslib.send_sms(message.recipient, render_welcome_sms(user))


def message_send(*, message_id, retry_temporary=True):
    """Send one READY message (see the module docstring). Returns a SendOutcome value."""
    claimed = OutboundMessage.objects.filter(pk=message_id, status=OutboundMessage.Status.READY).update(
        status=OutboundMessage.Status.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return SendOutcome.SKIPPED
    message = OutboundMessage.objects.select_related("user", "user__organisation").get(pk=message_id)
    if message.user is None:
        OutboundMessage.objects.filter(pk=message_id).update(status=OutboundMessage.Status.FAILED, error="The user no longer exists.")
        return SendOutcome.FAILED
    try:
        _deliver(message)
    except (smslib.SmsPermanentError, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        OutboundMessage.objects.filter(pk=message_id).update(status=OutboundMessage.Status.FAILED, error=_safe_error(exc))
        return SendOutcome.FAILED
    except (smslib.SmsTemporaryError, smtplib.SMTPException, OSError) as exc:
        if retry_temporary and message.attempts < MAX_SEND_ATTEMPTS:
            OutboundMessage.objects.filter(pk=message_id).update(status=OutboundMessage.Status.READY, error=_safe_error(exc))
            return SendOutcome.RETRY
        OutboundMessage.objects.filter(pk=message_id).update(status=OutboundMessage.Status.FAILED, error=_safe_error(exc))
        return SendOutcome.FAILED
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message_id).update(status=OutboundMessage.Status.SENT, sent_at=now, error="")
    User.objects.filter(pk=message.user_id).update(welcome_sent_at=now)
    return SendOutcome.SENT


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
    """Messages stuck in SENDING (the sender died after handing them over, or before) are marked
    failed after an hour, so the admin sees them; they are never sent again automatically."""
    from datetime import timedelta

    now = now or timezone.now()
    return OutboundMessage.objects.filter(
        status=OutboundMessage.Status.SENDING, created_at__lt=now - timedelta(minutes=STALE_SENDING_MINUTES)
    ).update(status=OutboundMessage.Status.FAILED, error="Delivery not confirmed: the sender stopped while sending.")


class WelcomeJobHandler:
    """The RUN stage of a bulk welcome job: sends the job's messages one by one (idempotent:
    messages already sent or failed are skipped)."""

    def run(self, job, progress):
        ids = list(job.messages.order_by("pk").values_list("pk", flat=True))
        total = len(ids)
        for index, message_id in enumerate(ids, start=1):
            message_send(message_id=message_id, retry_temporary=False)
            progress(index, total)
        statuses = list(job.messages.values_list("status", flat=True))
        sent = statuses.count(OutboundMessage.Status.SENT)
        failed = statuses.count(OutboundMessage.Status.FAILED)
        users = job.messages.values("user_id").distinct().count()
        skipped = int((job.params or {}).get("skipped", 0))
        message = gettext("%(sent)d messages sent to %(users)d users, %(failed)d failed.") % {"sent": sent, "users": users, "failed": failed}
        if skipped:
            message += " " + gettext("%(count)d users had no e-mail address or mobile number and were skipped.") % {"count": skipped}
        return {
            "counts": {"sent": sent, "failed": failed, "total": total, "users": users, "skip": skipped},
            "progress_done": total,
            "progress_total": total,
            "message": message,
        }


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
