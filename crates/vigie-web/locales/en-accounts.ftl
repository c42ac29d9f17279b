# Staff accounts: second factor, password change, account life cycle.

## The second step of the login
totp-enrol-title = Turn on two-factor authentication
totp-enrol-lead = Every staff account is protected by a second factor: a 6-digit code that changes every 30 seconds, given by an authenticator app on your work phone. Turn it on once, now.
totp-enrol-step-app = Open your authenticator app (FreeOTP, Aegis, Google Authenticator, Microsoft Authenticator…).
totp-enrol-step-scan = Add an account by scanning this QR code:
totp-qr-label = QR code of the secret key to add to the authenticator app; the same key is written out just below.
totp-enrol-secret-label = Or type this key by hand (time-based):
totp-enrol-step-code = Type below the 6-digit code the app shows for Vigie.
totp-code-title = Two-factor authentication code
totp-code-lead = Type the 6-digit code your authenticator app shows for Vigie.
totp-code-label = 6-digit code
totp-code-hint = The code changes every 30 seconds; each code works only once.
totp-code-button = Check the code
totp-code-refused = Wrong or already used code. Wait for the next code and try again.
totp-start-again = Start logging in again

## My account
nav-my-account = My account
account-title = My account
col-second-factor = Two-factor authentication
col-sessions = Open sessions
second-factor-enrolled = on
second-factor-pending = being turned on
second-factor-none = to turn on at the next login
account-password-heading = Change password
account-password-lead = Your other sessions (other browsers, other devices) will be closed; this one stays open.
account-current-password = Current password
account-new-password = New password
account-password-policy = 12 to 256 characters, not one repeated character. A phrase of several words is easier to remember.
account-repeat-password = New password, once more
account-password-button = Change password
account-password-changed = Password changed. Your other sessions were closed.
field-error-password-mismatch = The two entries of the new password differ.

## The admin's list of accounts
col-account-state = Account state
account-state-active = active
account-state-locked = locked (too many failures)
account-state-disabled = disabled
accounts-you = you
accounts-disable = Disable
accounts-enable = Enable
accounts-revoke-sessions = Close sessions
accounts-reset-totp = Reset two-factor authentication
accounts-done-disable = Account disabled: its sessions are closed and it can no longer log in.
accounts-done-enable = Account enabled again.
accounts-done-revoke-sessions = Sessions closed.
accounts-done-reset-totp = Two-factor authentication reset: the account will turn on a new one at its next login; its sessions are closed.

## Errors
error-totp-required = The two-factor authentication code is required.
error-login-expired = The login has expired. Start again with your username and password.
error-current-password-wrong = The current password is wrong.
error-password-too-short = The password must have at least 12 characters.
error-password-too-long = The password must have at most 256 characters.
error-password-too-weak = The password cannot be one repeated character.
error-cannot-disable-self = You cannot disable your own account.
