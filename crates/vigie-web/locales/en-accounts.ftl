# Staff accounts: second factor, password change, account life cycle.
