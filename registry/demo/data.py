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

from registry.consent import rules, services
from registry.consent.models import ConsentRequest
from registry.core.actors import Actor, ActorKind
from registry.core.vocabulary.consent import CompensationUnit, Medium, ProjectKind, UseType
from registry.core.vocabulary.parties import RepresentativeKind
from registry.parties import roles
from registry.parties.models import ApiKey, Performer, Representative, Studio
from registry.parties.services import api_key_issue, api_key_revoke, representative_authorise
from registry.terms.models import Agreement

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
        _performer(
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
        _demo_consent(studios, maya, minor, maya_user, actor)
    return logins


def _demo_consent(studios, maya, minor, maya_user, actor) -> None:
    """One pending request and one active grant for Maya, one pending request for the minor."""

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
