"""The platform's scheduled work: the daily commands, run by the task queue's scheduler (django-q2).

Each job is a management command, so what the scheduler runs is exactly what a person runs by hand.
`schedule_jobs()` (command `manage.py schedule_jobs`, also run by `run.sh` and the deployment guide)
creates or updates one schedule per job; `job_status()` is what the coordinators' status page shows."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.management import call_command
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Job:
    name: str  # the schedule's name, stable: the status page and the upgrade step find it by it
    command: str
    cron: str  # minute hour day month weekday, in settings.TIME_ZONE
    description: object


JOBS: tuple[Job, ...] = (
    Job("purge_unconfirmed_needs", "purge_unconfirmed_needs", "15 2 * * *",
        _("Sletter selvbetjeningshenvendelser, hvis e-mail aldrig blev bekræftet.")),
    Job("candidate_retention", "candidate_retention", "30 2 * * *",
        _("Advarer og anonymiserer kandidatprofiler, der ikke er brugt i slettefristen.")),
    Job("personal_data_retention", "personal_data_retention", "45 2 * * *",
        _("Advarer og anonymiserer persondata i Vækstpilot, tilmeldinger, henvendelser og match.")),
    Job("send_answer_reminders", "send_answer_reminders", "0 6 * * *",
        _("Påmindelser om svarfrist og koordinatorernes oversigt over overskredne henvendelser.")),
    Job("vaekstpilot_reminders", "vaekstpilot_reminders", "15 6 * * *",
        _("Påmindelser i Vækstpilot (bekræftelse, opfølgning).")),
    Job("send_event_surveys", "send_event_surveys", "0 9 * * *",
        _("Evalueringer efter arrangementer og påmindelser om dem.")),
)

JOB_FUNC = "viaviden.core.jobs.run_command"
MAX_OUTPUT = 4000


def run_command(command: str, *args: str) -> str:
    """The queue's task for a job: run the command and return what it printed (kept with the result)."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=out)
    text = out.getvalue().strip()
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + " …"


def schedule_jobs() -> list[tuple[str, bool]]:
    """Create or update one cron schedule per job; (name, created) for each. Re-running changes nothing
    but what differs, so it is safe in every deployment step."""
    from django_q.models import Schedule

    done = []
    for job in JOBS:
        schedule = Schedule.objects.filter(name=job.name).first()
        created = schedule is None
        if created:
            schedule = Schedule(name=job.name)
        changed = (schedule.func, schedule.args, schedule.schedule_type, schedule.cron) != (
            JOB_FUNC, repr(job.command), Schedule.CRON, job.cron)
        if created or changed:
            schedule.func, schedule.args = JOB_FUNC, repr(job.command)
            schedule.schedule_type, schedule.cron, schedule.repeats = Schedule.CRON, job.cron, -1
            schedule.next_run = None  # recomputed from the cron expression on save
            schedule.save()
        done.append((job.name, created))
    return done


@dataclass
class JobStatus:
    job: Job
    scheduled: bool
    next_run: object = None
    last_started: object = None
    last_stopped: object = None
    last_success: bool | None = None
    last_result: str = ""


def job_status() -> list[JobStatus]:
    """Each job's schedule and its last run (start, end, outcome, output or error), for the status page."""
    from django_q.models import Schedule, Task

    schedules = {s.name: s for s in Schedule.objects.filter(name__in=[j.name for j in JOBS])}
    task_ids = [s.task for s in schedules.values() if s.task]
    tasks = {t.id: t for t in Task.objects.filter(id__in=task_ids)}
    rows = []
    for job in JOBS:
        schedule = schedules.get(job.name)
        row = JobStatus(job=job, scheduled=schedule is not None)
        if schedule is not None:
            row.next_run = schedule.next_run
            task = tasks.get(schedule.task) if schedule.task else None
            if task is not None:
                row.last_started, row.last_stopped, row.last_success = task.started, task.stopped, task.success
                row.last_result = str(task.result or "")[:MAX_OUTPUT]
        rows.append(row)
    return rows


def mail_failures(limit: int = 20):
    """The latest e-mail deliveries that failed (each is tried again until EMAIL_MAX_ATTEMPTS)."""
    from django_q.models import Failure

    return list(Failure.objects.filter(func="viaviden.core.mail.deliver").order_by("-stopped")[:limit])
