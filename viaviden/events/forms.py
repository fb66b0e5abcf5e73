"""Forms of the event pages: the staff's event form, the calendar filters, the public sign-up form, the
staff's sign-up form and the follow-up survey."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from viaviden.companies.forms import CvrField
from viaviden.companies.selfservice import form_token_issue
from viaviden.core.errors import AppError
from viaviden.matches.models import ActivityTarget, Programme
from viaviden.matches.permissions import partner_org_ids
from viaviden.organisations.models import Organisation, User
from viaviden.reference.models import Municipality

from .models import Audience, Event, EventType, Registration
from .selectors import CalendarFilter
from .services import EventData

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_FORMAT, "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M"]


class _OrgChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class _OrgMultiChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class _TargetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ActivityTarget) -> str:
        return f"{obj.title_da} ({obj.get_unit_display()})"


def _dt_field(label, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=DATETIME_INPUTS, help_text=help_text,
        widget=forms.DateTimeInput(format=DATETIME_FORMAT, attrs={"type": "datetime-local", "class": "form-input"}),
    )


def add_app_error(form: forms.Form, exc: AppError) -> None:
    """Put a service error on the form: field errors at their fields, the rest at the top."""
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for name, messages in details.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


class EventForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200,
                            widget=forms.TextInput(attrs={"class": "form-input"}))
    type = forms.ChoiceField(label=_("Type"), choices=EventType.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    description = forms.CharField(label=_("Beskrivelse"), required=False, max_length=10000,
                                  widget=forms.Textarea(attrs={"class": "form-input", "rows": 6}))
    organiser = _OrgChoice(label=_("Ansvarlig partner"), queryset=Organisation.objects.none(),
                           widget=forms.Select(attrs={"class": "form-select"}))
    co_organisers = _OrgMultiChoice(
        label=_("Medarrangører"), required=False, queryset=Organisation.objects.none(),
        help_text=_("Medarrangørernes medarbejdere kan også redigere og tjekke deltagere ind."),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
    )
    municipality = forms.ModelChoiceField(label=_("Kommune"),
                                          queryset=Municipality.objects.filter(in_region=True).order_by("name"),
                                          widget=forms.Select(attrs={"class": "form-select"}))
    place = forms.CharField(label=_("Sted"), max_length=200, help_text=_("F.eks. \"UCN, Sofiendalsvej 60\"."),
                            widget=forms.TextInput(attrs={"class": "form-input"}))
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False,
                              widget=forms.TextInput(attrs={"class": "form-input"}))
    starts_at = _dt_field(_("Starter"))
    ends_at = _dt_field(_("Slutter"))
    audiences = forms.MultipleChoiceField(label=_("Målgruppe"), choices=Audience.choices,
                                          widget=forms.CheckboxSelectMultiple(attrs={"class": "form-checkbox"}))
    capacity = forms.IntegerField(label=_("Antal pladser"), required=False, min_value=1,
                                  help_text=_("Tom: ubegrænset."),
                                  widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    waitlist_enabled = forms.BooleanField(label=_("Venteliste, når der er fuldt"), required=False,
                                          widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))
    public = forms.BooleanField(label=_("Vis i den offentlige kalender med åben tilmelding"), required=False,
                                widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))
    signup_deadline = _dt_field(_("Tilmeldingsfrist"), required=False, help_text=_("Tom: indtil arrangementet starter."))
    activity_target = _TargetChoice(
        label=_("Tæller med i aktivitetsmål"), required=False, queryset=ActivityTarget.objects.none(),
        help_text=_("Når arrangementet markeres som afholdt, registreres det automatisk i målet."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    participants_target = _TargetChoice(
        label=_("Deltagerne tæller med i aktivitetsmål"), required=False, queryset=ActivityTarget.objects.none(),
        help_text=_("Antallet, der er tjekket ind, registreres automatisk."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    max_ranked_choices = forms.IntegerField(label=_("Højst antal prioriterede cases (børser)"), min_value=1,
                                            max_value=20, initial=5,
                                            widget=forms.NumberInput(attrs={"class": "form-input input-width-xs"}))
    case_deadline = _dt_field(_("Frist for cases (børser)"), required=False)
    preference_deadline = _dt_field(_("Frist for prioriteringer (børser)"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, user: User, event: Event | None = None, **kwargs: Any):
        if event is not None and data is None:
            kwargs["initial"] = event_initial(event)
        super().__init__(data, **kwargs)
        partners = Organisation.objects.filter(active=True, is_project_partner=True).order_by("name")
        if user.sees_everything:
            own = Organisation.objects.filter(active=True).order_by("name")
        else:
            own = Organisation.objects.filter(pk__in=partner_org_ids(user)).order_by("name")
        if event is not None:
            own = Organisation.objects.filter(Q(pk__in=own.values("pk")) | Q(pk=event.organiser_id)).order_by("name")
        self.fields["organiser"].queryset = own
        self.fields["co_organisers"].queryset = partners
        programme = Programme.objects.filter(is_current=True).first()
        # Only targets measured by manual registrations: the others count held events by themselves.
        targets = ActivityTarget.objects.filter(programme=programme, measure=ActivityTarget.Measure.REGISTRATIONS) \
            .exclude(unit__in=[ActivityTarget.Unit.PERCENT, ActivityTarget.Unit.PILOTS]) \
            .select_related("organisation").order_by("title_da")
        self.fields["activity_target"].queryset = targets
        self.fields["participants_target"].queryset = targets.filter(unit=ActivityTarget.Unit.PEOPLE)
        if event is None and not self.is_bound:
            self.initial.setdefault("waitlist_enabled", True)
            self.initial.setdefault("public", True)
            self.initial.setdefault("max_ranked_choices", 5)
            if user.organisation_id and own.filter(pk=user.organisation_id).exists():
                self.initial.setdefault("organiser", user.organisation_id)

    def event_data(self) -> EventData:
        d = self.cleaned_data
        return EventData(
            title=d["title"], type=d["type"], organiser=d["organiser"], municipality=d["municipality"],
            place=d["place"], starts_at=d["starts_at"], ends_at=d["ends_at"], description=d["description"],
            address=d["address"], co_organisers=list(d["co_organisers"]), audiences=list(d["audiences"]),
            capacity=d["capacity"], waitlist_enabled=d["waitlist_enabled"], public=d["public"],
            signup_deadline=d["signup_deadline"], activity_target=d["activity_target"],
            participants_target=d["participants_target"], max_ranked_choices=d["max_ranked_choices"],
            preference_deadline=d["preference_deadline"], case_deadline=d["case_deadline"],
        )


def event_initial(event: Event) -> dict[str, Any]:
    return {
        "title": event.title, "type": event.type, "description": event.description,
        "organiser": event.organiser_id, "co_organisers": [o.pk for o in event.co_organisers.all()],
        "municipality": event.municipality_id, "place": event.place, "address": event.address,
        "starts_at": event.starts_at, "ends_at": event.ends_at, "audiences": event.audiences,
        "capacity": event.capacity, "waitlist_enabled": event.waitlist_enabled, "public": event.public,
        "signup_deadline": event.signup_deadline, "activity_target": event.activity_target_id,
        "participants_target": event.participants_target_id, "max_ranked_choices": event.max_ranked_choices,
        "case_deadline": event.case_deadline, "preference_deadline": event.preference_deadline,
        "version": event.version,
    }


class CalendarFilterForm(forms.Form):
    """The calendar filters; the GET parameter names are also the iCalendar feed's."""

    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Alle")), *EventType.choices],
                             widget=forms.Select(attrs={"class": "form-select"}))
    municipality = forms.ChoiceField(label=_("Kommune"), required=False, choices=[],
                                     widget=forms.Select(attrs={"class": "form-select"}))
    audience = forms.ChoiceField(label=_("Målgruppe"), required=False, choices=[("", _("Alle")), *Audience.choices],
                                 widget=forms.Select(attrs={"class": "form-select"}))
    from_date = forms.DateField(label=_("Fra dato"), required=False, input_formats=["%Y-%m-%d", "%d-%m-%Y"],
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-input"}))

    def __init__(self, *args: Any, internal: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", _("Alle"))] + list(
            Municipality.objects.filter(in_region=True).order_by("name").values_list("code", "name")
        )
        if internal:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"), required=False, choices=[("", _("Alle")), *Event.Status.choices],
                widget=forms.Select(attrs={"class": "form-select"}))
            self.fields["mine"] = forms.BooleanField(
                label=_("Kun min organisations arrangementer"), required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}))

    def calendar_filter(self) -> CalendarFilter:
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return CalendarFilter(type=d.get("type") or "", municipality=d.get("municipality") or "",
                              audience=d.get("audience") or "", from_date=d.get("from_date"),
                              status=d.get("status") or "")

    @property
    def active(self) -> bool:
        return any(v not in (None, "", False) for v in getattr(self, "cleaned_data", {}).values())


class SignupForm(forms.Form):
    """The public sign-up: a person (name, e-mail, consent) or a company (name, CVR, contact person)."""

    kind = forms.ChoiceField(label=_("Jeg tilmelder mig som"), choices=Registration.Kind.choices,
                             initial=Registration.Kind.PERSON, widget=forms.RadioSelect(attrs={"class": "form-radio"}))
    name = forms.CharField(label=_("Navn"), max_length=200,
                           help_text=_("For en virksomhed: kontaktpersonens navn."),
                           error_messages={"required": _("Skriv dit navn.")},
                           widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             error_messages={"required": _("Skriv din e-mailadresse."),
                                             "invalid": _("Skriv en gyldig e-mailadresse.")},
                             widget=forms.EmailInput(attrs={"class": "form-input", "autocomplete": "email"}))
    phone = forms.CharField(label=_("Telefon"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"class": "form-input input-width-s", "autocomplete": "tel"}))
    audience = forms.ChoiceField(
        label=_("Jeg er"), required=False,
        choices=[("", _("Vælg")), *[(a, label) for a, label in Audience.choices if a != Audience.COMPANIES]],
        help_text=_("Kun for personer. Bruges til at opgøre, hvem der deltager."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    organisation_name = forms.CharField(label=_("Virksomhedens navn"), max_length=200, required=False,
                                        help_text=_("Kun for virksomheder."),
                                        widget=forms.TextInput(attrs={"class": "form-input",
                                                                      "autocomplete": "organization"}))
    cvr = CvrField(required=False, help_text=_("Kun for virksomheder. 8 cifre."))
    consent = forms.BooleanField(
        label=_("Jeg giver samtykke til, at mit navn og mine kontaktoplysninger gemmes og bruges til arrangementet "
                "og en kort opfølgning bagefter."),
        required=False, widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    website = forms.CharField(label=_("Lad dette felt være tomt"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.token_value = form_token_issue()

    def is_spam_honeypot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        kind = d.get("kind")
        if kind == Registration.Kind.PERSON and not d.get("consent"):
            self.add_error("consent", _("Du skal give samtykke, før vi kan gemme din tilmelding."))
        if kind == Registration.Kind.COMPANY:
            if not d.get("organisation_name"):
                self.add_error("organisation_name", _("Skriv virksomhedens navn."))
            if not d.get("cvr") and "cvr" not in self.errors:
                self.add_error("cvr", _("Angiv virksomhedens CVR-nummer."))
        return d

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"kind": d["kind"], "name": d["name"], "email": d["email"], "phone": d["phone"],
                "organisation_name": d["organisation_name"], "cvr": d["cvr"] or "", "audience": d["audience"],
                "consent": bool(d["consent"])}


class StaffSignupForm(SignupForm):
    """Staff sign someone up (e.g. at the door); the person's consent is recorded as given to staff."""

    consent = forms.BooleanField(
        label=_("Personen har givet samtykke til, at navn og kontaktoplysninger gemmes til arrangementet og "
                "opfølgningen"),
        required=False, widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )


class SurveyForm(forms.Form):
    YES_NO = [("yes", _("Ja")), ("no", _("Nej"))]

    gained_knowledge = forms.ChoiceField(
        label=_("Fik du eller I ny viden eller inspiration?"), choices=YES_NO,
        error_messages={"required": _("Svar på, om du fik ny viden eller inspiration.")},
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    collaboration_happened = forms.ChoiceField(
        label=_("Er der kommet et samarbejde ud af det (eller er et på vej)?"),
        choices=[*YES_NO, ("unknown", _("Ved ikke endnu"))], required=False,
        widget=forms.RadioSelect(attrs={"class": "form-radio"}),
    )
    comment = forms.CharField(label=_("Har du en kommentar?"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"class": "form-input", "rows": 4}))

    def answers(self) -> dict[str, Any]:
        d = self.cleaned_data

        def yes_no(value: str) -> bool | None:
            return {"yes": True, "no": False}.get(value)

        return {"gained_knowledge": yes_no(d["gained_knowledge"]),
                "collaboration_happened": yes_no(d.get("collaboration_happened") or ""),
                "comment": d.get("comment", "")}
