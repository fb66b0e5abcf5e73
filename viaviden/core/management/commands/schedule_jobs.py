"""python manage.py schedule_jobs

Create or update the task queue's schedule of the daily jobs (viaviden.core.jobs.JOBS). Run after every
migrate; the queue worker (`manage.py qcluster`) then runs them."""

from django.core.management.base import BaseCommand

from viaviden.core.jobs import JOBS, schedule_jobs


class Command(BaseCommand):
    help = "Create or update the schedules of the daily jobs in the task queue."

    def handle(self, *args, **opts):
        crons = {job.name: job.cron for job in JOBS}
        for name, created in schedule_jobs():
            self.stdout.write(f"{'created' if created else 'ok'}: {name} ({crons[name]})")
