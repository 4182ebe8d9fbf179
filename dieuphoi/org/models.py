"""The versioned regional registry.

Every row is dated (``valid_from``/``valid_to``, inclusive) and old versions
are kept, so any question can be asked "as of date D". Logic refers to roles
(standing agency, leader) resolved for a date, never to names.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.models import DatedModel, dated_check_constraint

# Long free text has a ceiling too, so a pasted book is a field error, not a
# stored novel (TextField's max_length is not checked by full_clean()).
LONG_TEXT_MAX = 5000


class AdministrativeUnit(DatedModel):
    class Kind(models.TextChoices):
        CITY = "city", _("Centrally-governed city")
        PROVINCE = "province", _("Province")

    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Many-to-one merges: the 2025 unit lists the 2022 units it absorbed.
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("predecessors"),
    )
    absorbed_note = models.CharField(
        _("also absorbs (outside the region)"), max_length=255, blank=True
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["name", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "valid_from"], name="unit_key_version_unique"
            ),
            dated_check_constraint("unit_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class RegionMembership(DatedModel):
    """Unit ∈ region, dated. Never inferred from the unit table."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("region"),
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="region_memberships",
        verbose_name=_("administrative unit"),
    )

    class Meta:
        verbose_name = _("region membership")
        verbose_name_plural = _("region memberships")
        ordering = ["region", "valid_from", "unit__name"]
        constraints = [dated_check_constraint("region_membership_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.unit} ∈ {self.region}"


class Agency(DatedModel):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        MINISTRY = "ministry", _("Ministry")
        PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
        DEPARTMENT = "department", _("Department")
        PROVINCIAL_DEPARTMENT = "provincial_department", _("Provincial department")
        COUNCIL_OFFICE = "council_office", _("Council office")
        OTHER = "other", _("Other agency")

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("administrative unit"),
    )
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("predecessors"),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"], name="agency_code_version_unique"
            ),
            dated_check_constraint("agency_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Body(DatedModel):
    """A coordination body: the Council, its Office, the Hanoi team, a provincial team."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("Coordination council")
        COUNCIL_OFFICE = "council_office", _("Council office")
        TEAM = "team", _("Coordination team")

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bodies",
        verbose_name=_("administrative unit"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent body"),
    )
    establishing_document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("establishing document"),
    )
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(LONG_TEXT_MAX)]
    )
    # Document symbol suffix for outgoing documents, e.g. "TĐP" in "12/BC-TĐP".
    symbol = models.CharField(_("document symbol"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("coordination body")
        verbose_name_plural = _("coordination bodies")
        ordering = ["kind", "name"]
        constraints = [dated_check_constraint("body_dates_ordered")]

    def __str__(self) -> str:
        return self.short_name or self.name


class BodyAgency(DatedModel):
    """An agency's dated role in a body: standing agency or member agency."""

    class Role(models.TextChoices):
        STANDING = "standing", _("Standing agency")
        MEMBER = "member", _("Member agency")

    body = models.ForeignKey(
        Body,
        on_delete=models.CASCADE,
        related_name="agency_roles",
        verbose_name=_("coordination body"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="body_roles",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("agency role in a body")
        verbose_name_plural = _("agency roles in bodies")
        ordering = ["body", "role", "agency__name"]
        constraints = [dated_check_constraint("body_agency_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_role_display()} — {self.body}"


class Membership(DatedModel):
    """A person's dated role in a body. One leader (and one deputy) at a time."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")
        SPECIALIST = "specialist", _("Specialist")
        SECRETARIAT = "secretariat", _("Secretariat")

    SINGLE_HOLDER_ROLES = (Role.LEADER, Role.DEPUTY)

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("person"),
    )
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("coordination body"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("home agency"),
    )
    position = models.CharField(
        _("position at the home agency"), max_length=200, blank=True
    )
    is_part_time = models.BooleanField(_("part-time"), default=True)
    duties = models.TextField(
        _("duties"), blank=True, validators=[MaxLengthValidator(LONG_TEXT_MAX)]
    )
    appointing_document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("appointing document"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["body", "role", "valid_from"]
        constraints = [dated_check_constraint("membership_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} — {self.body}"


class DutyAssignment(models.Model):
    """The leader's dated assignment of a member's duties; history is kept."""

    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="duty_assignments",
        verbose_name=_("membership"),
    )
    text = models.TextField(_("duties"), validators=[MaxLengthValidator(LONG_TEXT_MAX)])
    assigned_on = models.DateField(_("assigned on"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("document"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["-assigned_on", "-id"]

    def __str__(self) -> str:
        return f"{self.membership}: {self.assigned_on}"


class AgencySuccession(models.Model):
    """A dated succession of agencies (merger, split, renaming, transfer of
    functions): on ``on`` the predecessors' work passes to the successors.

    The handover of open tasks (``dieuphoi.tasks.handover``) reads these rows;
    ``handed_over_at`` records its last commit. ``Agency.predecessors`` holds
    the same links without the date and basis (services keep them in step).
    """

    class Kind(models.TextChoices):
        MERGER = "merger", _("Merger")
        SPLIT = "split", _("Split")
        RENAMING = "renaming", _("Renaming")
        TRANSFER = "transfer", _("Transfer of functions")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("effective on"))
    predecessors = models.ManyToManyField(
        Agency, related_name="succeeded_by", verbose_name=_("predecessors")
    )
    successors = models.ManyToManyField(
        Agency, related_name="succession_of", verbose_name=_("successors")
    )
    document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("legal basis document"),
    )
    basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    note = models.TextField(
        _("note"), blank=True, validators=[MaxLengthValidator(LONG_TEXT_MAX)]
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency succession")
        verbose_name_plural = _("agency successions")
        ordering = ["-on", "id"]
        indexes = [models.Index(fields=["on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%d/%m/%Y}"

    @property
    def basis_label(self) -> str:
        """The basis text ("Nghị quyết 06/NQ-HĐND ngày 25/02/2025"), else the
        document's reference."""
        if self.basis or self.document_id is None:
            return self.basis
        return str(self.document)
