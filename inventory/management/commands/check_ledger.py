import sys

from django.core.management.base import BaseCommand

from inventory.ledger_check import ledger_differences


class Command(BaseCommand):
    help = (
        "Verify the stock ledger (balances and values equal their moves, hash chains unbroken) and the "
        "books of money owed (open balance == documents − allocations)."
    )

    def handle(self, *args, **options):
        problems = ledger_differences()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            self.stderr.write(f"check_ledger: {len(problems)} difference(s) found")
            sys.exit(1)
        self.stdout.write("check_ledger: the ledger is consistent")
