# Witness safety: proof of work, no-JavaScript wait, photos.

## Proof of work before a conversation opens
proof-working = Preparing a secure conversation… Your device is doing a short computation that protects the service from automated submissions. This takes a few seconds.
proof-working-progress = Preparing a secure conversation… ({ $n } attempts)
proof-wait = To protect the service from automated submissions, the conversation opens a few seconds after the page is shown. Press the button again in { $seconds } { $seconds ->
    [one] second
   *[other] seconds
  }.
proof-spent = This form has already been used to open a conversation. To continue it, use your receipt code below; to start a new one, press the button.
proof-expired = The page was open for too long. Press the button again to start.
error-proof-required = The anti-abuse check is missing. Reload the page, then try again.
error-proof-invalid = The anti-abuse check was not recognised. Reload the page, then try again.
error-proof-expired = The anti-abuse check expired. Try again.
error-proof-spent = This check has already been used. Try again.
error-proof-unsolved = The anti-abuse check failed. Try again.
error-proof-too-early = Wait a few seconds, then try again.
error-proof-unavailable = Your browser could not run the anti-abuse check. Allow scripts for this page, or use the form without JavaScript.
