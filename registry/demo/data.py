"""Demo data for the embedded default: a few of every party, and logins printed for a newcomer.

Idempotent: running it again keeps what exists and issues a fresh demo API key per studio
(secrets are never stored, so the old one cannot be shown again).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from registry.billing.models import Invoice
from registry.billing.payments import invoice_mark_paid
from registry.billing.runs import bill_studio, billing_run_plan, billing_run_start
from registry.consent import rules, services
from registry.consent.models import ConsentRequest
from registry.core.actors import Actor, ActorKind
from registry.core.vocabulary.billing import InvoiceStatus
from registry.core.vocabulary.consent import CompensationUnit, Medium, ProjectKind, UseType
from registry.core.vocabulary.parties import RepresentativeKind
from registry.core.vocabulary.terms import RoleCategory, Sector
from registry.core.vocabulary.usage import UsageKind, UsageUnit
from registry.parties import roles
from registry.parties.models import ApiKey, Performer, Representative, Studio
from registry.parties.services import api_key_issue, api_key_revoke, representative_authorise
from registry.residuals.models import Title
from registry.residuals.services import CastInput, NewTitle, NewViewingReport, title_register, viewing_report_submit
from registry.terms.models import Agreement
from registry.usage.services import LineInput, report_fingerprint, synthetic_performer_register, usage_report_submit

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (printed for newcomers; refused in production)
DEMO_KEY_NAME = "demo key"


@dataclass
class DemoLogins:
    users: list[tuple[str, str, str]] = field(default_factory=list)  # (username, password, what)
    api_keys: list[tuple[str, str]] = field(default_factory=list)  # (studio, secret)


def _user(username: str, *, first: str, last: str, email: str, staff_role: str | None = None):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": email}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
    if staff_role:
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=staff_role))
    else:
        user.save()
    return user


def _performer(member_number: str, **fields) -> Performer:
    performer, _ = Performer.objects.get_or_create(member_number=member_number, defaults=fields)
    return performer


def load_demo() -> DemoLogins:
    actor = Actor.system("demo loader")
    logins = DemoLogins()
    roles.sync_staff_groups()
    with transaction.atomic():
        _user(
            "admin",
            first="Ada",
            last="Admin",
            email="admin@union.example",
            staff_role=roles.UNION_ADMIN,
        )
        logins.users.append(("admin", DEMO_PASSWORD, "union_admin (staff: all powers)"))
        _user(
            "analyst",
            first="Ana",
            last="Lyst",
            email="analyst@union.example",
            staff_role=roles.UNION_ANALYST,
        )
        logins.users.append(("analyst", DEMO_PASSWORD, "union_analyst (staff: read only)"))

        maya_user = _user("maya", first="Maya", last="Okafor", email="maya@performers.example")
        maya = _performer(
            "SAG-100001",
            legal_name="Maya Okafor",
            professional_name="Maya O.",
            email="maya@performers.example",
            date_of_birth=dt.date(1988, 3, 14),
            user=maya_user,
        )
        logins.users.append(("maya", DEMO_PASSWORD, f"performer {maya.public_id}: signs in at /portal/"))
        leo = _performer(
            "SAG-100002",
            legal_name="Leo Brandt",
            email="leo@performers.example",
            date_of_birth=dt.date(1975, 11, 2),
        )
        minor = _performer(
            "SAG-100003",
            legal_name="Sam Rivera",
            email="rivera.family@performers.example",
            date_of_birth=dt.date(2014, 6, 30),
        )
        deceased = _performer(
            "SAG-100004",
            legal_name="Harold Vance",
            date_of_birth=dt.date(1931, 1, 20),
            date_of_death=dt.date(2019, 8, 5),
        )
        guardian_user = _user("guardian", first="Elena", last="Rivera", email="elena@performers.example")
        if not Representative.objects.filter(performer=minor, user=guardian_user).exists():
            representative_authorise(
                performer=minor,
                kind=RepresentativeKind.GUARDIAN,
                name="Elena Rivera",
                email="elena@performers.example",
                user=guardian_user,
                valid_from=dt.date(2020, 1, 1),
                authority_document="Birth certificate and guardian declaration (demo)",
                actor=actor,
            )
        logins.users.append(("guardian", DEMO_PASSWORD, f"guardian of {minor.public_id} (portal, acting for Sam)"))
        estate_user = _user("estate", first="Ruth", last="Vance", email="ruth@estate.example")
        if not Representative.objects.filter(performer=deceased, user=estate_user).exists():
            representative_authorise(
                performer=deceased,
                kind=RepresentativeKind.ESTATE,
                name="Ruth Vance (executor)",
                email="ruth@estate.example",
                user=estate_user,
                valid_from=dt.date(2019, 9, 1),
                authority_document="Letters testamentary (demo)",
                actor=actor,
            )
        logins.users.append(("estate", DEMO_PASSWORD, f"estate executor for {deceased.public_id} (portal)"))
        for username, kind, first, last, document in (
            ("agent", "agent", "Priya", "Shah", "Agency agreement of 3 March 2024 (demo)"),
            ("lawyer", "lawyer", "Daniel", "Cho", "Letter of engagement, Cho & Partners (demo)"),
        ):
            rep_user = _user(username, first=first, last=last, email=f"{username}@representatives.example")
            if not Representative.objects.filter(performer=maya, user=rep_user).exists():
                representative_authorise(
                    performer=maya,
                    kind=kind,
                    name=f"{first} {last}",
                    email=f"{username}@representatives.example",
                    user=rep_user,
                    valid_from=dt.date(2024, 3, 3),
                    authority_document=document,
                    actor=actor,
                )
            logins.users.append((username, DEMO_PASSWORD, f"{kind} of {maya.public_id} (portal, acting for Maya)"))

        agreements = list(Agreement.objects.all())
        studios = []
        for name in ("Northlight Pictures", "Pixelforge Games"):
            studio, _ = Studio.objects.get_or_create(legal_name=name)
            studio.agreements.set(agreements)
            for old in ApiKey.objects.filter(studio=studio, name=DEMO_KEY_NAME, revoked_at__isnull=True):
                api_key_revoke(api_key=old, actor=actor)
            _, secret = api_key_issue(studio=studio, name=DEMO_KEY_NAME, scopes=None, actor=actor)
            logins.api_keys.append((f"{name} ({studio.public_id})", secret))
            studios.append(studio)
        _demo_consent(studios, maya, minor, deceased, maya_user, actor)
        _demo_history(studios, maya, maya_user, performers=[maya, leo], actor=actor)
    return logins


def _demo_consent(studios, maya, minor, deceased, maya_user, actor) -> None:
    """One pending request and one signed grant (its term still to begin) for Maya, one pending
    request for the minor (the guardian answers) and one for the deceased performer (the estate)."""

    if ConsentRequest.objects.exists():
        return
    northlight, pixelforge = studios
    start = timezone.localdate() + dt.timedelta(days=21)

    def new(studio, performer, agreement_code, use, project, role, uses, media):
        return services.consent_request_create(
            new=services.NewRequest(
                studio=studio,
                performer=performer,
                agreement=Agreement.objects.get(code=agreement_code),
                use=use,
                project=project,
                description=rules.Description(
                    role_or_scenes=role,
                    intended_uses=uses,
                    media=media,
                    territory=("US", "CA"),
                    term_start=start,
                    term_end=start + dt.timedelta(days=730),
                    realtime_generation=False if project.kind == ProjectKind.GAME else None,
                    detail="Demo request.",
                ),
                compensation=rules.Compensation(
                    amount=Decimal("1283.00"), currency="USD", unit=CompensationUnit.DAY, estimated_days=Decimal("3")
                ),
            ),
            actor=actor,
        )

    picture = rules.Project(kind=ProjectKind.PICTURE, title="The Long Night", production_number="NLP-2027-004")
    new(
        northlight,
        maya,
        "tvth-2026",
        UseType.REPLICA_USE,
        picture,
        "Detective Ana Reyes, rooftop chase in scenes 41-44",
        ("Replica performs the rooftop stunt sequence in place of a stunt double",),
        (Medium.THEATRICAL, Medium.STREAMING),
    )
    game = rules.Project(kind=ProjectKind.GAME, title="Skyline Racers", production_number="PXF-SR-2")
    granted = new(
        pixelforge,
        maya,
        "interactive-2025",
        UseType.VOICE_REPLICA,
        game,
        "Race announcer voice, menus and races",
        ("Voice replica reads race results and menu lines",),
        (Medium.IN_GAME,),
    )
    signer = services.signer_for(
        user=maya_user, performer=maya, is_union_admin=False, name="Maya Okafor", on=timezone.localdate()
    )
    services.consent_request_accept(
        request=granted,
        signer=signer,
        description_sha256=granted.current_description.sha256,
        attestation_text="I have read the description and I consent to this use.",
        actor=Actor(ActorKind.PERFORMER, maya.public_id, maya.legal_name),
    )
    new(
        northlight,
        minor,
        "tvth-2026",
        UseType.REPLICA_USE,
        picture,
        "Young Ana in the flashback, scenes 12-14",
        ("Replica appears in the flashback crowd scene at the fair",),
        (Medium.THEATRICAL, Medium.STREAMING),
    )
    new(
        northlight,
        deceased,
        "tvth-2026",
        UseType.REPLICA_USE,
        picture,
        "Archive footage of Harold Vance as the lighthouse keeper, scene 3",
        ("Replica of the 1962 lighthouse keeper performance in a dream sequence",),
        (Medium.THEATRICAL, Medium.STREAMING),
    )


# --- The past: what a performer who has worked a while sees ----------------------------------------
HARBOUR = rules.Project(kind=ProjectKind.PICTURE, title="Harbour Lights", production_number="NLP-2026-011")
SKYLINE_1 = rules.Project(kind=ProjectKind.GAME, title="Skyline Racers", production_number="PXF-SR-1")
MIDNIGHT = rules.Project(kind=ProjectKind.SERIES, title="Midnight Ferry, season 1", production_number="NLP-MF-S1")


def _month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _agreement_on(sector: Sector, day: dt.date) -> Agreement:
    return (
        Agreement.objects.filter(sector=sector, effective_from__lte=day, effective_to__gte=day)
        .order_by("-effective_from")
        .first()
    )


def _signed(studio, performer, user, agreement, use, project, *, start, end, signed_at, uses, media, actor, daily):
    request = services.consent_request_create(
        new=services.NewRequest(
            studio=studio,
            performer=performer,
            agreement=agreement,
            use=use,
            project=project,
            description=rules.Description(
                role_or_scenes="Detective Ana Reyes" if project.kind != ProjectKind.GAME else "Race announcer voice",
                intended_uses=uses,
                media=media,
                territory=("US", "CA"),
                term_start=start,
                term_end=end,
                realtime_generation=False if project.kind == ProjectKind.GAME else None,
                detail="Demo consent.",
            ),
            compensation=rules.Compensation(
                amount=daily, currency="USD", unit=CompensationUnit.DAY, estimated_days=Decimal("2")
            ),
        ),
        actor=actor,
        now=signed_at,
    )
    signer = services.signer_for(
        user=user, performer=performer, is_union_admin=False, name=performer.legal_name, on=signed_at.date()
    )
    return services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="I have read the description and I consent to this use (demo).",
        actor=Actor(ActorKind.PERFORMER, performer.public_id, performer.legal_name),
        now=signed_at,
    )


def _bill(period: dt.date, actor) -> None:
    """A month's billing run, done here and now rather than by workers: the demo's pages need
    its invoices at once (the run's queued tasks find nothing left to do)."""
    now = _at(_month_start(period, -1), 2)
    run, _ = billing_run_start(period=period, actor=actor, now=now)
    for studio_id in billing_run_plan(run_id=run.pk, now=now):
        bill_studio(run_id=run.pk, studio_id=studio_id, now=now)


def _demo_history(studios, maya, maya_user, *, performers, actor) -> None:
    """Months of Maya's work before today: a consent used every month and billed (one invoice
    paid), an ended consent and a revoked one, a use outside the consent (an open violation case),
    a strike declared and lifted, and a streamed series that earned the success bonus."""
    if Title.objects.filter(production_number=MIDNIGHT.production_number).exists():
        return
    northlight, pixelforge = studios
    today = timezone.localdate()
    months = [_month_start(today, back) for back in range(5, 0, -1)]  # the last five full months
    start = months[0]
    # Signed under the agreements in force when the uses are made (whose rate cards price them),
    # before the term begins where the agreement was already in force.
    tvth = _agreement_on(Sector.TV_THEATRICAL, start)
    interactive = _agreement_on(Sector.INTERACTIVE, start)
    signed = _at(max(start - dt.timedelta(days=25), tvth.effective_from, interactive.effective_from), 9)
    harbour = _signed(
        northlight,
        maya,
        maya_user,
        tvth,
        UseType.REPLICA_USE,
        HARBOUR,
        start=start,
        end=start + dt.timedelta(days=730),
        signed_at=signed,
        uses=("Replica performs the harbour chase in place of a stunt double",),
        media=(Medium.THEATRICAL, Medium.STREAMING),
        actor=actor,
        daily=Decimal("1100.00"),
    )
    # A consent whose term has ended, and one Maya revoked.
    _signed(
        pixelforge,
        maya,
        maya_user,
        interactive,
        UseType.VOICE_REPLICA,
        SKYLINE_1,
        start=start,
        end=months[-1] - dt.timedelta(days=10),
        signed_at=signed,
        uses=("Voice replica reads race results",),
        media=(Medium.IN_GAME,),
        actor=actor,
        daily=Decimal("900.00"),
    )
    trailer = _signed(
        northlight,
        maya,
        maya_user,
        tvth,
        UseType.DIGITAL_ALTERATION,
        rules.Project(kind=ProjectKind.PICTURE, title="Harbour Lights (trailer)", production_number="NLP-2026-011T"),
        start=start,
        end=start + dt.timedelta(days=365),
        signed_at=signed,
        uses=("Lip-sync of two lines for the trailer",),
        media=(Medium.ONLINE_VIDEO,),
        actor=actor,
        daily=Decimal("1100.00"),
    )
    if trailer.agreement.performer_may_revoke:
        services.grant_revoke(
            grant=trailer,
            reason="The trailer now uses other lines.",
            acting_user=maya_user,
            now=_at(months[1] + dt.timedelta(days=5)),
        )
    services.grants_expire_due()

    # A strike against Northlight under the agreement, in force for a week, three months ago.
    strike_from = months[2] + dt.timedelta(days=1)
    strike = services.strike_declare(
        agreement=tvth,
        studios=[northlight],
        reason="Negotiations on AI terms broke down (demo).",
        actor=actor,
        starts_at=_at(strike_from, 6),
        now=_at(strike_from, 6),
    )
    for job in strike.jobs.all():
        services.strike_job_run(job_id=job.pk, now=_at(strike_from, 7))
    services.strike_lift(
        strike=strike,
        reason="Tentative agreement reached (demo).",
        actor=actor,
        now=_at(strike_from + dt.timedelta(days=7)),
    )
    for job in strike.jobs.all():
        services.strike_job_run(job_id=job.pk, now=_at(strike_from + dt.timedelta(days=7), 11))

    # Use every month, reported the day after; one use outside what the consent covers; and a
    # synthetic performer standing in for a day performer (its royalty goes to the union's fund).
    vera = synthetic_performer_register(
        studio=northlight,
        name="Vera",
        description="A fully digital background performer (demo)",
        borrowings=[],
        actor=Actor(ActorKind.STUDIO, northlight.public_id, northlight.legal_name),
    )
    for n, month in enumerate(months):
        day = month + dt.timedelta(days=11)
        lines = [
            LineInput(
                line_ref=f"DEMO-{month:%Y%m}-1",
                kind=UsageKind.REPLICA_USE,
                project=HARBOUR,
                use_date=day,
                units=Decimal("1"),
                unit=UsageUnit.DAYS,
                grant_ref=harbour.public_id,
                role_category=RoleCategory.DAY_PERFORMER,
                estimated_days=Decimal(2 + n % 3),
                media=(Medium.STREAMING,),
                territory=("US",),
            )
        ]
        lines.append(
            LineInput(
                line_ref=f"DEMO-{month:%Y%m}-S",
                kind=UsageKind.SYNTHETIC_STANDIN,
                project=HARBOUR,
                use_date=day + dt.timedelta(days=3),
                units=Decimal(1 + n % 2),
                unit=UsageUnit.DAYS,
                synthetic_ref=vera.public_id,
                agreement_code=tvth.code,
                role_category=RoleCategory.DAY_PERFORMER,
                justification="Crowd scene at the harbour (demo)",
            )
        )
        if month == months[-2]:
            lines.append(
                LineInput(
                    line_ref=f"DEMO-{month:%Y%m}-2",
                    kind=UsageKind.REPLICA_USE,
                    project=HARBOUR,
                    use_date=day,
                    units=Decimal("1"),
                    unit=UsageUnit.DAYS,
                    grant_ref=harbour.public_id,
                    role_category=RoleCategory.DAY_PERFORMER,
                    estimated_days=Decimal("1"),
                    media=(Medium.SOCIAL_MEDIA,),
                    territory=("US",),
                )
            )
        ref = f"demo-{month:%Y-%m}"
        usage_report_submit(
            studio=northlight,
            report_ref=ref,
            lines=lines,
            fingerprint=report_fingerprint({"ref": ref, "lines": [repr(line) for line in lines]}),
            actor=Actor(ActorKind.STUDIO, northlight.public_id, northlight.legal_name),
            now=_at(day + dt.timedelta(days=1)),
        )
        _bill(month, actor)
    first = Invoice.objects.filter(studio=northlight, status=InvoiceStatus.FINALIZED).order_by("period", "pk").first()
    if first is not None:
        invoice_mark_paid(invoice=first, actor=actor, now=_at(_month_start(first.period, -2) + dt.timedelta(days=3)))

    # A series streamed since two months ago, viewed enough to earn the success bonus.
    release = today - dt.timedelta(days=60)
    title = title_register(
        studio=northlight,
        new=NewTitle(
            project=MIDNIGHT,
            agreement_code=_agreement_on(Sector.TV_THEATRICAL, release).code,
            streaming_service="Streamline+",
            release_date=release,
            runtime_minutes=50,
            high_budget_svod=True,
            cast=tuple(
                CastInput(performer=p.public_id, residual_base=Decimal(base))
                for p, base in zip(performers, ("4200.00", "2800.00"), strict=True)
            ),
        ),
        actor=actor,
        now=_at(release),
    )
    viewing_report_submit(
        title=title,
        report=NewViewingReport(
            exhibition_year=1,
            hours_streamed=Decimal("250000"),
            domestic_subscribers=1_000_000,
            subscribers_as_of=today - dt.timedelta(days=3),
        ),
        actor=Actor(ActorKind.STUDIO, northlight.public_id, northlight.legal_name),
        now=_at(today - dt.timedelta(days=2)),
    )
