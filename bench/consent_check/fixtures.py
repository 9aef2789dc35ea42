"""Bench fixtures: studios, performers and N consent grants shaped like the ones the services write.

A real grant (`services._grant_create`) comes with an accepted ConsentRequest, a DescriptionVersion
(content in the stored form, hashed the same way), a Signature, the ConsentGrant, a
GrantStatusChange "active", and (through the tokens hook) a signed ConsentToken in a status-list
slot. Later life adds more status changes and Suspension rows, and moves the token's status:
revoked, expired, suspended by the performer (some resumed), suspended by a strike in force,
amended (version 2 supersedes version 1). All of that is generated here as model instances
(defaults such as public ids come from the models; token claims and signatures from the token
service's own functions) and written with PostgreSQL COPY in one transaction: these are fixtures,
not product writes, so there are no audit rows for them. The signing key, the status-list
snapshots and the studios' API keys are made by the real services.

Needs Django set up against an empty, migrated PostgreSQL database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from registry.consent import rules, services
from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    DescriptionVersion,
    GrantStatusChange,
    PerformerPreferences,
    Signature,
    Strike,
    Suspension,
)
from registry.core.actors import Actor
from registry.core.people import is_minor_on
from registry.parties.models import Performer, Representative, Studio
from registry.parties.services import api_key_issue
from registry.terms.models import Agreement
from registry.tokens import jose
from registry.tokens import keys as token_keys
from registry.tokens import services as token_services
from registry.tokens.models import ConsentToken, StatusList, new_status_list_id
from registry.tokens.verifier import CONSENT_TYP

UTC = dt.UTC

# --- Vocabulary ---------------------------------------------------------------------------------


def words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


FIRST_NAMES = words(
    "Maya Leo Sam Ana Omar Ines Kofi Priya Jonas Mei Lucas Zara Tomas Aisha Noah Elena Ravi Hana Felix Nia "
    "Diego Sofia Ivan Yara Malik Chloe Arjun Lena Mateo Amara Hugo Keiko Ezra Lila Tariq Nora Pablo Ada"
)
LAST_NAMES = words(
    "Okafor Brandt Rivera Vance Reyes Chen Novak Haddad Silva Kim Moreau Patel Nakamura Quinn Adeyemi Larsen "
    "Costa Fischer Ito Mensah Duarte Kowalski Osei Romano Sato Bauer Nunez Lindqvist Hussain Walsh Petrov"
)
TITLE_WORDS_A = words("Long Silver Hidden Last Broken Quiet Golden Northern Crimson Endless Distant Hollow Iron")
TITLE_WORDS_B = words("Night Harbor Signal Orchard Frontier Tide Empire Circuit Lantern Meridian Echo Garden Crown")
STUDIO_WORDS_A = words("Northlight Pixelforge Blue Harbor Red Canyon Silverline Open Field Lumen Granite Maple Nova")
STUDIO_WORDS_B = words("Pictures Studios Games Media Films Records Interactive Productions Works Entertainment")
BRANDS = words("Brightfuel Aqualux Nimbus Corvo Hearthly Zentro Pulsar Velora Kestrel Orbix")
PRODUCT_LINES = words("Sparkling Water|Running Shoes|Family Sedan|Mobile Plan|Coffee Pods|Sunscreen|Smart Watch", "|")
COUNTRIES = words("US CA GB IE AU NZ DE FR ES IT MX BR JP KR IN NL SE")
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile",
)
ATTESTATION = "I have read the description and I consent to this use."
REVOKE_REASONS = (
    "I no longer want my likeness used in this production.",
    "The final cut uses the replica differently from what I agreed to.",
    "Withdrawing consent on my agent's advice.",
)
SUSPEND_REASONS = (
    "Pausing while I review the final cut.",
    "On hold until the dispute about the reshoot is settled.",
    "Pausing use while my representation changes.",
)

# Studio profiles: (share of studios, project kinds with weights, agreements they sign).
PROFILES = {
    "film": (0.45, (("picture", 0.55), ("series", 0.45)), ("tvth-2023", "tvth-2026")),
    "commercial": (0.25, (("commercial", 1.0),), ("commercials-2025",)),
    "game": (0.20, (("game", 1.0),), ("interactive-2025",)),
    "music": (0.10, (("recording", 1.0),), ("sound-recordings-2021",)),
}
# First day a request of this kind can be made under an agreement in force (see agreement_for).
KIND_WINDOW_START = {
    "picture": dt.date(2025, 1, 6),
    "series": dt.date(2025, 1, 6),
    "commercial": dt.date(2025, 4, 1),
    "game": dt.date(2025, 7, 9),
    "recording": dt.date(2025, 1, 6),
}
USES_BY_KIND = {
    "picture": (
        ("replica_use", 40),
        ("replica_creation", 20),
        ("digital_alteration", 25),
        ("voice_replica", 8),
        ("synthetic_feature", 4),
        ("training", 3),
    ),
    "series": (
        ("replica_use", 40),
        ("replica_creation", 18),
        ("digital_alteration", 30),
        ("voice_replica", 8),
        ("synthetic_feature", 4),
    ),
    "commercial": (("replica_use", 50), ("digital_alteration", 35), ("voice_replica", 15)),
    "game": (("replica_use", 30), ("realtime_generation", 30), ("voice_replica", 25), ("replica_creation", 15)),
    "recording": (("voice_replica", 50), ("digital_alteration", 35), ("training", 15)),
}
MEDIA_BY_KIND = {
    "picture": ("theatrical", "streaming", "home_video", "broadcast_tv", "cable_tv"),
    "series": ("streaming", "broadcast_tv", "cable_tv", "home_video"),
    "commercial": ("broadcast_tv", "digital_ads", "social_media", "online_video", "out_of_home", "cable_tv"),
    "game": ("in_game", "online_video", "social_media"),
    "recording": ("audio_streaming", "radio", "podcast"),
}
TERM_DAYS_BY_KIND = {
    "picture": (730, 2555),
    "series": (730, 2555),
    "commercial": (180, 730),
    "game": (730, 1825),
    "recording": (365, 1460),
}
ROLE_TEXT = {
    "replica_creation": "Full body and face scan for {role}, stage 4",
    "replica_use": "{role}: replica in the rooftop sequence, scenes {a}-{b}",
    "digital_alteration": "{role}: altered dialogue and expressions in scenes {a}-{b}",
    "voice_replica": "{role}: voice replica for additional lines, reels {a}-{b}",
    "synthetic_feature": "{role}: a synthetic background character borrowing the performer's gait",
    "training": "{role}: recorded sessions {a}-{b} used to train the studio's voice model",
    "realtime_generation": "{role}: real-time generated dialogue during play, chapters {a}-{b}",
}
INTENDED_TEXT = {
    "replica_creation": "Create a face and body replica for the scenes named",
    "replica_use": "Replica performs the scenes named in place of a stunt double",
    "digital_alteration": "Adjust lip movement and expression to the revised script",
    "voice_replica": "Generate additional dialogue lines in the performer's voice",
    "synthetic_feature": "Borrow the performer's gait for a synthetic background character",
    "training": "Train an in-house voice model used only for this production",
    "realtime_generation": "Generate in-game dialogue in real time from the performer's voice",
}

TOKEN_STATUS = {k.value: int(v) for k, v in token_services.GRANT_TO_TOKEN_STATUS.items()}

CATEGORY_WEIGHTS = {
    "allowed": 0.55,
    "outside_scope": 0.20,
    "revoked": 0.07,
    "suspended": 0.06,
    "out_of_term": 0.04,
    "no_grant": 0.08,
}


@dataclass
class Project:
    studio_idx: int
    kind: str
    title: str
    production_number: str
    advertiser: str
    product_line: str
    media: tuple[str, ...]
    territory: tuple[str, ...]
    shoot: dt.date
    future_spots: bool
    realtime: bool | None

    def body(self) -> dict:
        out = {"kind": self.kind, "title": self.title, "production_number": self.production_number}
        if self.kind == "commercial":
            out["advertiser"] = self.advertiser
            out["product_line"] = self.product_line
        return out


@dataclass
class GrantInfo:
    grant: ConsentGrant
    studio_idx: int
    performer: Performer
    project: Project
    status: str
    causes: frozenset[str]
    quiet: bool  # no status change after activation: past dates answer like today


@dataclass
class FixtureSet:
    keys: list[tuple[str, str]]  # (studio public id, secret)
    bodies: list[tuple[str, dict, str]]  # (secret, body, category)
    counts: dict[str, int]
    statuses: dict[str, int]
    seconds: float
    notes: list[str] = field(default_factory=list)


class Builder:
    def __init__(
        self,
        *,
        n_grants: int,
        n_studios: int,
        n_performers: int,
        seed: int,
        now: dt.datetime,
        later_life: bool = True,
        amend_share: float = 0.04,
        only_agreement: str | None = None,
    ):
        """`later_life=False`, `amend_share=0` and `only_agreement` make every grant active under
        one agreement (bench/strikes strikes all of them)."""
        self.rng = random.Random(seed)
        self.later_life = later_life
        self.amend_share = amend_share
        self.only_agreement = only_agreement
        self.n_grants = n_grants
        self.n_studios = n_studios
        self.n_performers = n_performers
        self.now = now
        self.today = now.date()
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.ids: dict[type[models.Model], itertools.count] = defaultdict(lambda: itertools.count(1))
        self.agreements = {a.code: a for a in Agreement.objects.all()}
        self.infos: list[GrantInfo] = []
        self.token_changes: Counter[int] = Counter()

    # --- helpers -------------------------------------------------------------------------------
    def add(self, model: type[models.Model], **fields) -> models.Model:
        obj = model(id=next(self.ids[model]), **fields)
        self.rows[model].append(obj)
        return obj

    def moment(self, day: dt.date) -> dt.datetime:
        """A working-hours moment on `day`."""
        return dt.datetime.combine(day, dt.time(8), tzinfo=UTC) + dt.timedelta(seconds=self.rng.randrange(11 * 3600))

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = (end - start).total_seconds()
        return start + dt.timedelta(seconds=self.rng.uniform(0.05, 0.95) * span)

    def agreement_for(self, kind: str, day: dt.date) -> Agreement:
        """The agreement of the project's sector in force on the request's day (a request under an
        agreement not in force is refused), or the sector's latest one."""
        if self.only_agreement is not None:
            return self.agreements[self.only_agreement]
        codes = {
            "picture": ("tvth-2023", "tvth-2026"),
            "series": ("tvth-2023", "tvth-2026"),
            "commercial": ("commercials-2025",),
            "game": ("interactive-2025",),
            "recording": ("sound-recordings-2021",),
        }[kind]
        sector = [self.agreements[c] for c in codes]
        return next((a for a in sector if a.in_force_on(day)), sector[-1])

    # --- parties -------------------------------------------------------------------------------
    def build_parties(self) -> None:
        rng = self.rng
        User = get_user_model()
        self.user_model = User
        unusable = make_password(None)  # performers sign in through the portal's own flow
        names = set()
        self.studios: list[Studio] = []
        self.studio_profile: list[str] = []
        profiles = list(PROFILES)
        weights = [PROFILES[p][0] for p in profiles]
        for i in range(self.n_studios):
            while True:
                name = f"{rng.choice(STUDIO_WORDS_A)} {rng.choice(STUDIO_WORDS_B)}"
                name = name if name not in names else f"{name} {i}"
                if name not in names:
                    break
            names.add(name)
            studio = self.add(Studio, legal_name=name, created_at=self.moment(dt.date(2024, 1, 1)))
            profile = rng.choices(profiles, weights)[0]
            self.studios.append(studio)
            self.studio_profile.append(profile)
            for code in PROFILES[profile][2]:
                self.add(Studio.agreements.through, studio_id=studio.id, agreement_id=self.agreements[code].id)
        # Studio sizes follow a Zipf-like law: a few majors, a long tail of small producers.
        self.studio_weights = [1 / (rank**0.8) for rank in range(1, self.n_studios + 1)]
        rng.shuffle(self.studio_weights)

        self.performers: list[Performer] = []
        self.performer_user: dict[int, models.Model] = {}
        self.performer_rep: dict[int, Representative] = {}
        self.prefs: dict[int, PerformerPreferences] = {}
        for i in range(self.n_performers):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            r = rng.random()
            death = None
            if r < 0.025:  # a minor
                born = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
            elif r < 0.035:  # deceased, acted for by the estate
                born = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(25 * 365))
                death = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(9 * 365))
            else:
                born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(55 * 365))
            member = f"SAG-{300000 + i}"
            email = f"{first}.{last}.{i}@performers.example".lower()
            user = None
            minor = r < 0.025
            if death is None and not minor and rng.random() < 0.9:
                user = self.add(
                    User,
                    username=f"perf{300000 + i}",
                    password=unusable,
                    first_name=first,
                    last_name=last,
                    email=email,
                    is_active=True,
                    date_joined=self.moment(dt.date(2024, 6, 1)),
                )
            performer = self.add(
                Performer,
                member_number=member,
                legal_name=f"{first} {last}",
                professional_name=f"{first[0]}. {last}" if rng.random() < 0.3 else "",
                email=email,
                date_of_birth=born,
                date_of_death=death,
                user_id=user.id if user else None,
                created_at=self.moment(dt.date(2024, 6, 1)),
            )
            self.performers.append(performer)
            if user:
                self.performer_user[performer.id] = user
            kind = "guardian" if minor else "estate" if death else ("agent" if user is None or r > 0.9 else None)
            if kind:
                rep_user = self.add(
                    User,
                    username=f"rep{performer.id}",
                    password=unusable,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    email=f"rep{performer.id}@agents.example",
                    is_active=True,
                    date_joined=self.moment(dt.date(2024, 6, 1)),
                )
                start = (death + dt.timedelta(days=30)) if death else dt.date(2022, 1, 1)
                self.performer_rep[performer.id] = self.add(
                    Representative,
                    performer_id=performer.id,
                    kind=kind,
                    name=f"{rep_user.first_name} {rep_user.last_name}",
                    email=rep_user.email,
                    user_id=rep_user.id,
                    valid_from=start,
                    valid_to=None,
                    authority_document={
                        "guardian": "Birth certificate and guardian declaration",
                        "estate": "Letters testamentary, LA County",
                        "agent": "Agency agreement on file with the union",
                    }[kind],
                    revoked_at=None,
                    created_at=self.moment(start),
                )
            if rng.random() < 0.15:
                floor = rng.random() < 0.2
                self.prefs[performer.id] = self.add(
                    PerformerPreferences,
                    performer_id=performer.id,
                    do_not_train=rng.random() < 0.6,
                    opt_out_categories=sorted(rng.sample(["political", "alcohol", "tobacco", "gambling"], 2))
                    if rng.random() < 0.5
                    else [],
                    declined_uses=["synthetic_feature"] if rng.random() < 0.3 else [],
                    rate_floor_amount=Decimal("900.00") if floor else None,
                    rate_floor_currency="USD" if floor else "",
                    rate_floor_unit="day" if floor else "",
                    updated_at=self.moment(dt.date(2024, 9, 1)),
                )
        # Some performers are in demand; most work now and then.
        self.performer_cum = list(itertools.accumulate(rng.lognormvariate(0, 1.0) for _ in self.performers))

    # --- projects ------------------------------------------------------------------------------
    def build_projects(self) -> None:
        rng = self.rng
        total = sum(self.studio_weights)
        self.projects: list[list[Project]] = []
        for idx, studio in enumerate(self.studios):
            profile = self.studio_profile[idx]
            kinds = PROFILES[profile][1]
            n = max(3, round(self.studio_weights[idx] / total * self.n_grants / 25))
            code = "".join(w[0] for w in studio.legal_name.split()[:2]).upper() + f"{idx:03d}"
            projects = []
            for j in range(n):
                kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
                start = KIND_WINDOW_START[kind]
                shoot = start + dt.timedelta(days=rng.randrange((self.today - start).days - 10))
                media = tuple(rng.sample(MEDIA_BY_KIND[kind], rng.randint(1, min(3, len(MEDIA_BY_KIND[kind])))))
                if rng.random() < 0.35:
                    territory = ("WW",)
                else:
                    others = rng.sample([c for c in COUNTRIES if c != "US"], rng.randint(0, 4))
                    territory = tuple((["US"] if rng.random() < 0.8 else []) + others) or ("US",)
                brand = rng.choice(BRANDS)
                line = rng.choice(PRODUCT_LINES)
                commercial = kind == "commercial"
                projects.append(
                    Project(
                        studio_idx=idx,
                        kind=kind,
                        title=f"{brand} {line}: spot {j + 1}"
                        if commercial
                        else f"The {rng.choice(TITLE_WORDS_A)} {rng.choice(TITLE_WORDS_B)}"
                        + (f" (season {rng.randint(1, 5)})" if kind == "series" else ""),
                        production_number=f"{code}-{shoot.year}-{j + 1:03d}",
                        advertiser=f"{brand} Inc." if commercial else "",
                        product_line=line if commercial else "",
                        media=media,
                        territory=territory,
                        shoot=shoot,
                        future_spots=commercial and rng.random() < 0.2,
                        realtime=(rng.random() < 0.5) if kind == "game" else None,
                    )
                )
            self.projects.append(projects)
        self.studio_cum = list(itertools.accumulate(self.studio_weights))

    # --- grants --------------------------------------------------------------------------------
    def build_grants(self) -> None:
        rng = self.rng
        strike_agreement = self.agreements["interactive-2025"]
        game_studios = [i for i, p in enumerate(self.studio_profile) if p == "game"]
        game_studios.sort(key=lambda i: -self.studio_weights[i])
        # A strike in force against three game studios: their live interactive grants are suspended.
        self.strike_studios = set(game_studios[1:4])
        strike_at = dt.datetime.combine(self.today - dt.timedelta(days=38), dt.time(9), tzinfo=UTC)
        self.strike = None
        if self.strike_studios:
            self.strike = self.add(
                Strike,
                agreement_id=strike_agreement.id,
                reason="Interactive media strike over AI protections in real-time generation.",
                starts_at=strike_at,
                declared_at=strike_at - dt.timedelta(days=2),
                declared_by="Ada Admin",
                applied_at=strike_at,
                lifted_at=None,
                lifted_by="",
            )
            for idx in sorted(self.strike_studios):
                self.add(Strike.studios.through, strike_id=self.strike.id, studio_id=self.studios[idx].id)
        self.strike_at = strike_at

        seen: set[tuple[int, int, int, str]] = set()
        made = 0
        latest = self.now - dt.timedelta(hours=2)
        while made < self.n_grants:
            sidx = rng.choices(range(self.n_studios), cum_weights=self.studio_cum)[0]
            project = rng.choice(self.projects[sidx])
            performer = rng.choices(self.performers, cum_weights=self.performer_cum)[0]
            prefs = self.prefs.get(performer.id)
            uses_w = USES_BY_KIND[project.kind]
            uses = []
            for p in (1.0, 0.35, 0.12):
                if rng.random() >= p:
                    break
                use = rng.choices([u for u, _ in uses_w], [w for _, w in uses_w])[0]
                if prefs and (
                    (use == "training" and prefs.do_not_train) or use in prefs.declined_uses
                ):  # would have been declined automatically
                    continue
                if use not in uses:
                    uses.append(use)
            window = KIND_WINDOW_START[project.kind]
            day = project.shoot + dt.timedelta(days=rng.randint(-30, 30))
            day = min(max(day, window), self.today - dt.timedelta(days=1))
            for use in uses:
                key = (sidx, performer.id, id(project), use)
                if key in seen or made >= self.n_grants:
                    continue
                seen.add(key)
                requested_at = self.moment(day)
                activated_at = min(requested_at + dt.timedelta(hours=rng.uniform(2, 200)), latest)
                if activated_at <= requested_at:
                    continue
                # Some consents are amended later: version 2 supersedes version 1.
                req2 = activated_at + dt.timedelta(days=rng.uniform(20, 200))
                act2 = req2 + dt.timedelta(hours=rng.uniform(2, 150))
                amend = rng.random() < self.amend_share and act2 < latest and made + 2 <= self.n_grants
                v1 = self.make_version(sidx, performer, project, use, requested_at, activated_at, amended=amend)
                made += 1
                if amend:
                    self.make_version(sidx, performer, project, use, req2, act2, previous=v1)
                    made += 1

    def make_version(
        self,
        sidx: int,
        performer: Performer,
        project: Project,
        use: str,
        requested_at: dt.datetime,
        activated_at: dt.datetime,
        *,
        previous: GrantInfo | None = None,
        amended: bool = False,
    ) -> GrantInfo:
        rng = self.rng
        agreement = self.agreement_for(project.kind, requested_at.date())
        minor = is_minor_on(performer.date_of_birth, requested_at.date(), performer.date_of_death)
        if previous is None:
            term_start = requested_at.date() + dt.timedelta(days=rng.randint(0, 45))
            lo, hi = TERM_DAYS_BY_KIND[project.kind]
            term_end = term_start + dt.timedelta(days=rng.randint(lo, hi))
            media = ("ai_model",) if use == "training" else project.media
        else:
            old = previous.grant
            term_start = max(old.term_start, requested_at.date())
            term_end = max(old.term_end, term_start) + dt.timedelta(days=rng.randint(90, 365))
            extra = [m for m in MEDIA_BY_KIND[project.kind] if m not in old.media]
            media = tuple(old.media) + ((rng.choice(extra),) if extra and use != "training" else ())
        years = agreement.max_licence_years_minor if minor else agreement.max_licence_years_adult
        term_end = min(term_end, rules.add_years(term_start, years))
        role = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        a = rng.randint(1, 80)
        realtime = True if use == "realtime_generation" else project.realtime
        categories = []
        prefs = self.prefs.get(performer.id)
        if project.kind == "commercial" and rng.random() < 0.1:
            cat = rng.choice(["alcohol", "gambling"])
            if not (prefs and cat in prefs.opt_out_categories):
                categories = [cat]
        description = rules.Description(
            role_or_scenes=ROLE_TEXT[use].format(role=role, a=a, b=a + rng.randint(1, 6)),
            intended_uses=(INTENDED_TEXT[use],),
            media=media,
            territory=project.territory,
            term_start=term_start,
            term_end=term_end,
            sensitive_content=(),
            content_categories=tuple(categories),
            realtime_generation=realtime,
            depicts_minor=False,
            future_spots=project.future_spots,
            detail=f"Production {project.production_number}; material from the {requested_at:%B %Y} sessions.",
        )
        unit = rng.choice(["day", "day", "flat", "session"])
        amount = Decimal(rng.randrange(600, 6000)).quantize(Decimal("0.01"))
        if prefs and prefs.rate_floor_amount and unit == prefs.rate_floor_unit and amount < prefs.rate_floor_amount:
            amount = prefs.rate_floor_amount + 100
        estimated_days = Decimal(rng.randint(1, 10)) if unit == "day" else None
        origin = services.replica_origin_of(use, "")
        # What is signed and hashed: the description, the compensation and the replica's origin.
        content = {
            **services.description_content(description),
            **services.signed_terms_content(
                rules.Compensation(amount, agreement.currency, unit, estimated_days), origin
            ),
        }
        sha = services.description_sha256(content)
        scan = use == "replica_creation"
        request = self.add(
            ConsentRequest,
            studio_id=self.studios[sidx].id,
            performer_id=performer.id,
            agreement_id=agreement.id,
            use=use,
            amends_id=previous.grant.id if previous else None,
            status="accepted",
            requested_at=requested_at,
            expires_at=requested_at + dt.timedelta(days=agreement.request_expiry_days),
            answered_at=activated_at,
            scan_at=requested_at + dt.timedelta(days=rng.randint(3, 10)) if scan else None,
            engaged_at=None,
            business_reason="The stunt sequence cannot be filmed safely with the performer on set." if scan else "",
            compensation_amount=amount,
            compensation_currency=agreement.currency,
            compensation_unit=unit,
            compensation_negotiated_per_use=False,
            replica_origin=origin,
            estimated_days=estimated_days,
            decline_reason="",
            auto_declined=False,
            decline_codes=[],
            project_kind=project.kind,
            project_title=project.title,
            production_number=project.production_number,
            advertiser=project.advertiser,
            product_line=project.product_line,
        )
        version = self.add(
            DescriptionVersion, request_id=request.id, version=1, content=content, sha256=sha, created_at=requested_at
        )
        # Who signs: the performer, or their guardian, estate or agent (rules.allowed_signer_roles).
        rep = self.performer_rep.get(performer.id)
        user = self.performer_user.get(performer.id)
        if performer.date_of_death is not None:
            signer_role = "estate"
        elif minor:
            signer_role = "guardian"
        elif user is None or (rep is not None and rng.random() < 0.3):
            signer_role = "representative"
        else:
            signer_role = "performer"
        by_rep = signer_role != "performer"
        self.add(
            Signature,
            request_id=request.id,
            description_version_id=version.id,
            description_sha256=sha,
            signer_role=signer_role,
            signer_name=rep.name if by_rep else performer.legal_name,
            signer_user_id=rep.user_id if by_rep else user.id,
            representative_id=rep.id if by_rep else None,
            method="portal_attestation",
            attestation_text=ATTESTATION,
            represented_by="SAG-AFTRA" if rng.random() < 0.5 else "",
            signed_at=activated_at,
            client_ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            user_agent=rng.choice(USER_AGENTS),
        )
        grant = self.add(
            ConsentGrant,
            **({"lineage_id": previous.grant.lineage_id} if previous else {}),
            version=previous.grant.version + 1 if previous else 1,
            supersedes_id=previous.grant.id if previous else None,
            request=request,  # objects, not ids: the token claims read them
            studio=self.studios[sidx],
            performer=performer,
            agreement=agreement,
            use=use,
            project_kind=project.kind,
            project_title=project.title,
            production_number=project.production_number,
            advertiser=project.advertiser,
            product_line=project.product_line,
            media=list(content["media"]),
            territory=list(content["territory"]),
            term_start=term_start,
            term_end=term_end,
            future_spots=description.future_spots,
            role_or_scenes=content["role_or_scenes"],
            intended_uses=list(content["intended_uses"]),
            sensitive_content=list(content["sensitive_content"]),
            realtime_generation=content["realtime_generation"],
            description_sha256=sha,
            signer_role=signer_role,
            status="active",
            activated_at=activated_at,
            ended_at=None,
        )
        if previous is not None:
            # Version 1 ends superseded at the moment version 2 is created.
            old = previous.grant
            old.status = "superseded"
            old.ended_at = activated_at
            self.change(old, "active", "superseded", activated_at, f"Amended by request {request.public_id}")
            previous.status, previous.quiet = "superseded", False
        self.change(grant, "", "active", activated_at, f"Signed by the {signer_role}")
        info = GrantInfo(grant, sidx, performer, project, "active", frozenset(), True)
        if not amended and self.later_life:  # an amended version's fate is to be superseded by version 2
            self.live_history(info, agreement)
        self.infos.append(info)
        return info

    def change(self, grant: ConsentGrant, frm: str, to: str, at: dt.datetime, reason: str, strike=None) -> None:
        if frm and TOKEN_STATUS[frm] != TOKEN_STATUS[to]:
            self.token_changes[grant.id] += 1  # the hook moves the token: its status list is marked changed
        self.add(
            GrantStatusChange,
            grant_id=grant.id,
            from_status=frm,
            to_status=to,
            at=at,
            reason=reason,
            strike_id=strike.id if strike else None,
        )

    def live_history(self, info: GrantInfo, agreement: Agreement) -> None:
        """What happened to a grant after activation, applied the way the services apply it."""
        rng = self.rng
        grant = info.grant
        t0 = grant.activated_at
        events: list[tuple[dt.datetime, int, str]] = []
        expiry = dt.datetime.combine(grant.term_end + dt.timedelta(days=1), dt.time(3), tzinfo=UTC)
        terminal_at = expiry if expiry < self.now else None
        terminal = "expired" if terminal_at else None
        if rng.random() < 0.06 and agreement.performer_may_revoke:
            terminal_at = self.between(t0, min(terminal_at or self.now, self.now))
            terminal = "revoked"
        horizon = terminal_at or self.now
        if rng.random() < 0.05 and agreement.performer_may_suspend:
            start = self.between(t0, horizon)
            events.append((start, 1, "perf_suspend"))
            if rng.random() < 0.35:
                events.append((self.between(start, horizon), 2, "perf_resume"))
        in_strike = (
            self.strike is not None
            and info.studio_idx in self.strike_studios
            and grant.agreement_id == self.strike.agreement_id
            and (terminal_at is None or terminal_at > self.strike_at)
        )
        if in_strike:
            events.append((max(self.strike_at, t0), 1, "strike"))
        if terminal:
            events.append((terminal_at, 3, terminal))
        if not events:
            return
        info.quiet = False
        status = "active"
        open_: dict[str, Suspension] = {}
        for at, _, what in sorted(events):
            if what in ("perf_suspend", "strike"):
                cause = "performer" if what == "perf_suspend" else "strike"
                strike = self.strike if cause == "strike" else None
                reason = rng.choice(SUSPEND_REASONS) if strike is None else strike.reason
                open_[cause] = self.add(
                    Suspension,
                    grant_id=grant.id,
                    cause=cause,
                    strike_id=strike.id if strike else None,
                    reason=reason,
                    started_at=at,
                    ended_at=None,
                )
                if status == "active":
                    self.change(grant, status, "suspended", at, reason, strike=strike)
                    status = "suspended"
            elif what == "perf_resume":
                susp = open_.pop("performer", None)
                if susp is None:
                    continue
                susp.ended_at = at
                if status == "suspended" and not open_:
                    self.change(grant, status, "active", at, "No suspension remains")
                    status = "active"
            else:
                for susp in open_.values():
                    susp.ended_at = at
                open_.clear()
                reason = rng.choice(REVOKE_REASONS) if what == "revoked" else f"Term ended on {grant.term_end}"
                self.change(grant, status, what, at, reason)
                status = what
                grant.ended_at = at
        grant.status = status
        info.status = status
        info.causes = frozenset(open_)

    # --- tokens --------------------------------------------------------------------------------
    def build_tokens(self) -> None:
        """One token per grant version, issued at activation, as tokens.services._issue does it:
        signed by the active key, in a random never-used slot of the open status list."""
        rng = self.rng
        key = token_services.active_signing_key(actor=Actor.system("consent_check benchmark"))
        private_key = token_keys.decrypt_private_key(key.private_encrypted)
        header = {"alg": jose.ISSUED_ALG, "kid": key.kid, "typ": CONSENT_TYP}
        size = settings.STATUS_LIST_SIZE
        capacity = math.ceil(size * token_services.STATUS_LIST_FILL_LIMIT)
        grants = sorted((info.grant for info in self.infos), key=lambda g: g.activated_at)
        for start in range(0, len(grants), capacity):
            chunk = grants[start : start + capacity]
            public_id = new_status_list_id()
            status_list = self.add(
                StatusList,
                public_id=public_id,
                uri=token_services.new_status_list_uri(public_id),
                size=size,
                allocated=len(chunk),
                created_at=chunk[0].activated_at,
            )
            slots = rng.sample(range(size), len(chunk))
            changes = 0
            for grant, index in zip(chunk, slots, strict=True):
                claims = token_services.consent_claims(
                    grant, status_list=status_list, index=index, issued_at=grant.activated_at
                )
                status = TOKEN_STATUS[grant.status]
                self.add(
                    ConsentToken,
                    grant_id=grant.id,
                    signing_key_id=key.id,
                    status_list_id=status_list.id,
                    status_index=index,
                    status=status,
                    issued_at=grant.activated_at,
                    not_before=dt.datetime.fromtimestamp(claims["nbf"], tz=UTC),
                    expires_at=dt.datetime.fromtimestamp(claims["exp"], tz=UTC),
                    jws=jose.sign_compact(header, claims, private_key),
                    replaced_by_id=None,
                )
                changes += self.token_changes[grant.id]
            status_list.change_seq = changes
            status_list.signed_seq = 0
        self.status_lists = self.rows[StatusList]

    # --- writing -------------------------------------------------------------------------------
    def write(self) -> None:
        User = self.user_model
        order = [
            User,
            Studio,
            Studio.agreements.through,
            Performer,
            Representative,
            PerformerPreferences,
            Strike,
            Strike.studios.through,
            ConsentRequest,  # amends_id points at grants written next: FKs are checked at commit
            DescriptionVersion,
            Signature,
            ConsentGrant,
            GrantStatusChange,
            Suspension,
            StatusList,
            ConsentToken,
        ]
        with transaction.atomic():
            for model in order:
                copy_rows(model, self.rows.get(model, []))
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), order):
                    cursor.execute(sql)


def copy_rows(model: type[models.Model], objs: list[models.Model]) -> None:
    """COPY model instances into their table, every concrete column, values prepared by the fields."""
    if not objs:
        return
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    preps = []
    for f in fields:
        if isinstance(f, models.JSONField):
            preps.append((f.attname, lambda v: None if v is None else json.dumps(v)))
        elif isinstance(f, (models.DecimalField, models.GenericIPAddressField)):
            preps.append((f.attname, lambda v, f=f: f.get_db_prep_save(v, connection)))
        else:  # str, int, bool, date and aware datetime values go through psycopg's own adapters
            preps.append((f.attname, None))
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            d = obj.__dict__
            copy.write_row([d[a] if p is None else p(d[a]) for a, p in preps])


# --- check bodies -------------------------------------------------------------------------------
def build_bodies(builder: Builder, keyed: list[int], secrets: dict[int, str], n: int, rng: random.Random) -> list:
    today = builder.today
    by_studio: dict[int, list[GrantInfo]] = defaultdict(list)
    for info in builder.infos:
        if info.studio_idx in secrets:
            by_studio[info.studio_idx].append(info)
    pools: dict[int, dict[str, list[GrantInfo]]] = {}
    pairs: dict[int, set[int]] = defaultdict(set)
    pair_uses: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    for sidx, infos in by_studio.items():
        p = defaultdict(list)
        for info in infos:
            g = info.grant
            pairs[sidx].add(info.performer.id)
            if info.status != "superseded":
                pair_uses[(sidx, info.performer.id, info.project.production_number)].add(g.use)
            in_term = g.term_start <= today <= g.term_end
            if info.status == "active" and in_term:
                p["allowed"].append(info)
            elif info.status == "revoked":
                p["revoked"].append(info)
            elif info.status == "suspended":
                p["suspended"].append(info)
            elif info.status == "expired" or (info.status == "active" and not in_term):
                p["out_of_term"].append(info)
        pools[sidx] = p
    studios = [s for s in keyed if any(pools.get(s, {}).values())]  # a studio on strike has nothing allowed
    weights = [len(by_studio[s]) for s in studios]
    categories = list(CATEGORY_WEIGHTS)
    cat_weights = list(CATEGORY_WEIGHTS.values())
    all_uses = sorted({u for uses in USES_BY_KIND.values() for u, _ in uses})
    bodies = []
    while len(bodies) < n:
        sidx = rng.choices(studios, weights)[0]
        category = rng.choices(categories, cat_weights)[0]
        pool = pools[sidx]
        source = category if category in ("revoked", "suspended", "out_of_term") else "allowed"
        if not pool.get(source):
            continue
        info = rng.choice(pool[source])
        g, project = info.grant, info.project
        performer = info.performer
        use = g.use
        media = rng.sample(list(g.media), rng.randint(1, len(g.media)))
        if "WW" in g.territory:
            territory = rng.sample(COUNTRIES, rng.randint(1, 3)) if rng.random() < 0.7 else ["WW"]
        else:
            territory = rng.sample(list(g.territory), rng.randint(1, len(g.territory)))
        proj = project.body()
        on = None
        # The fuller check of rule 2.4: the role (the name the signed role text begins with) and
        # the intended use, in the description's words.
        role = g.role_or_scenes.split(":")[0] if ":" in g.role_or_scenes else g.role_or_scenes[-24:]
        intended = g.intended_uses[0]
        if category == "outside_scope":
            twist = rng.choice(["use", "project", "media", "territory", "role"])
            if twist == "use":
                taken = pair_uses[(sidx, performer.id, project.production_number)]
                use = rng.choice([u for u in all_uses if u not in taken] or all_uses)
            elif twist == "project":
                others = [p for p in builder.projects[sidx] if p.production_number != project.production_number]
                if others:
                    proj = rng.choice(others).body()
            elif twist == "media":
                extra = [m for m in MEDIA_BY_KIND[project.kind] if m not in g.media]
                media = [*media, rng.choice(extra)] if extra else [*media, "live_event"]
            elif twist == "role":
                role = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"  # rule 2.4: another role
            else:
                missing = [c for c in COUNTRIES if c not in g.territory]
                if "WW" in g.territory or not missing:
                    use = rng.choice([u for u in all_uses if u != g.use])
                else:
                    territory = [*territory, rng.choice(missing)]
        elif category == "no_grant":
            while True:
                performer = rng.choices(builder.performers, cum_weights=builder.performer_cum)[0]
                if performer.id not in pairs[sidx]:
                    break
        elif category == "allowed" and info.quiet and rng.random() < 0.08:
            # A past date of use: answered from the status history.
            first = max(g.term_start, g.activated_at.date() + dt.timedelta(days=1))
            if first < today:
                on = (first + dt.timedelta(days=rng.randrange((today - first).days))).isoformat()
        reference = performer.member_number if rng.random() < 0.1 else performer.public_id
        body = {
            "performer": reference,
            "use": use,
            "project": proj,
            "media": sorted(media),
            "territory": sorted(territory),
            "role": role,
            "intended_use": intended,
            "realtime_generation": bool(g.realtime_generation),
        }
        if on:
            body["on"] = on
        bodies.append((secrets[sidx], body, category))
    return bodies


def load(*, n_grants: int, n_studios: int, n_performers: int, n_keys: int, n_bodies: int, seed: int) -> FixtureSet:
    started = time.monotonic()
    now = timezone.now()
    builder = Builder(n_grants=n_grants, n_studios=n_studios, n_performers=n_performers, seed=seed, now=now)
    builder.build_parties()
    builder.build_projects()
    builder.build_grants()
    builder.build_tokens()
    built = time.monotonic()
    builder.write()
    written = time.monotonic()
    for status_list in builder.status_lists:  # signed snapshots, as beat's refresh makes them
        token_services.status_list_refresh(status_list_id=status_list.id, force=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # API keys for the busiest studios and a few smaller ones, issued by the real service.
    rng = random.Random(seed + 1)
    ranked = sorted(range(n_studios), key=lambda i: -builder.studio_weights[i])
    keyed = ranked[: n_keys // 2] + rng.sample(ranked[n_keys // 2 :], n_keys - n_keys // 2)
    if builder.strike_studios and not set(keyed) & builder.strike_studios:
        keyed[-1] = min(builder.strike_studios)  # so that some checks meet a strike
    secrets: dict[int, str] = {}
    actor = Actor.system("consent_check benchmark")
    for sidx in keyed:
        _, secret = api_key_issue(studio=builder.studios[sidx], name="bench integration", scopes=None, actor=actor)
        secrets[sidx] = secret
    bodies = build_bodies(builder, keyed, secrets, n_bodies, rng)
    counts = {model._meta.label: len(objs) for model, objs in builder.rows.items()}
    statuses = Counter(info.grant.status for info in builder.infos)
    notes = [
        f"built in {built - started:.1f} s, written (COPY) in {written - built:.1f} s, "
        f"status lists signed, VACUUM ANALYZE, keys and bodies in {time.monotonic() - written:.1f} s"
    ]
    return FixtureSet(
        keys=[(builder.studios[s].public_id, secrets[s]) for s in keyed],
        bodies=bodies,
        counts=counts,
        statuses=dict(statuses),
        seconds=time.monotonic() - started,
        notes=notes,
    )
