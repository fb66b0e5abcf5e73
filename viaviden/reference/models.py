"""Reference data: geography, classifications and the basis of the municipal target split.

Loaded from the versioned files in data/reference/ by `manage.py load_reference_data`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from viaviden.core.models import NOTE_MAX_LENGTH, BilingualName, TimeStampedModel, bounded_text

AALBORG_CODE = "851"


class Municipality(models.Model):
    code = models.CharField(_("kommunekode"), max_length=4, primary_key=True)
    name = models.CharField(_("navn"), max_length=100)
    seat = models.CharField(_("administrationsby"), max_length=100, blank=True)
    seat_lat = models.FloatField(null=True, blank=True)
    seat_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    in_region = models.BooleanField(_("i Region Nordjylland"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return self.name

    @property
    def is_aalborg(self) -> bool:
        return self.code == AALBORG_CODE


class PostalCode(models.Model):
    """Many-to-many by nature: a postal code crossing a border belongs to several municipalities."""

    code = models.CharField(_("postnummer"), max_length=4)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "municipality"], name="uniq_postal_code_municipality")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.municipality_id})"


class Industry(BilingualName, models.Model):
    """DB07 section (A–U), Danmarks Statistik."""

    code = models.CharField(_("kode"), max_length=2, primary_key=True)
    name_da = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("branche (DB07)")
        verbose_name_plural = _("brancher (DB07)")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class SizeClass(BilingualName, models.Model):
    """EU SME size class (Recommendation 2003/361/EC)."""

    code = models.CharField(max_length=10, primary_key=True)
    name_da = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    min_staff = models.PositiveIntegerField()
    max_staff = models.PositiveIntegerField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("størrelsesklasse")
        verbose_name_plural = _("størrelsesklasser")

    def __str__(self) -> str:
        return self.label


class EducationLevel(BilingualName, models.Model):
    """KVU / MVU / LVU."""

    code = models.CharField(max_length=3, primary_key=True)
    name_da = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    description_da = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("uddannelsesniveau")
        verbose_name_plural = _("uddannelsesniveauer")

    def __str__(self) -> str:
        return self.code


class BasisDataset(TimeStampedModel):
    """A set of per-municipality figures used to split the municipal target (with its source)."""

    class Kind(models.TextChoices):
        POPULATION_PROXY = "population_proxy", _("Befolkning (midlertidig erstatning for arbejdspladser)")
        WORKPLACES = "workplaces", _("Arbejdspladser (Danmarks Statistik ERHV2)")
        JOBS = "jobs", _("Job (Danmarks Statistik ERHV2)")

    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    label = models.CharField(_("betegnelse"), max_length=200)
    source = bounded_text(_("kilde"), max_length=NOTE_MAX_LENGTH)
    year = models.PositiveSmallIntegerField(_("år"))

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.year})"

    @property
    def is_proxy(self) -> bool:
        return self.kind == self.Kind.POPULATION_PROXY


class BasisValue(models.Model):
    dataset = models.ForeignKey(BasisDataset, on_delete=models.CASCADE, related_name="values")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "municipality"], name="uniq_basis_value")
        ]


class TravelTime(models.Model):
    """Travel time by car between two municipalities' seats (reference data, an estimate; see
    data/reference/education/README.md). Stored in both directions."""

    origin = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    destination = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["origin", "destination"], name="uniq_travel_time")]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.destination_id}: {self.minutes} min"


class MatchType(BilingualName, models.Model):
    """The match palette (SPEC 3.1): reference data that matches, needs, candidates, services and cases
    point to (in `reference` so that `companies` need not import `matches`)."""

    class Group(models.TextChoices):
        STUDENT_COLLABORATION = "student_collaboration", _("Studentersamarbejde")
        JOB_MATCH = "job_match", _("Jobmatch")

    code = models.SlugField(max_length=40, primary_key=True)
    name_da = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    group = models.CharField(max_length=30, choices=Group.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("matchtype")
        verbose_name_plural = _("matchtyper")

    def __str__(self) -> str:
        return self.label
