# Witness photos.

## Witness page: sending a photo (with JavaScript)
photo-add = Add a photo
photo-hint = JPEG, PNG or WebP, at most { $size }. The photo is sent as soon as you choose it.
photo-warning = Before a photo is stored, we remove its GPS position, date, device model and every other hidden detail. But what the photo shows can still identify you: the view from your window, a place few people go, a reflection, a person. Only send it if you are comfortable with that.
photo-sending = Sending the photo…
photo-sent-status = Your photo was sent.
photo-in-thread = Photo sent
photo-retrying = The connection was interrupted. Trying to send the photo again…
photo-size-mib = { $n } MB
photo-size-kib = { $n } KB

## Staff console
staff-photo-alt = Photo sent by the witness at { $time }
staff-photo-gone = Photo deleted (retention period over)

## Errors
error-photo-too-large = This photo is too large. Choose a smaller photo, or take a screenshot of it and send that.
error-photo-empty = This file is empty.
error-photo-type = This kind of file is not accepted. Send a JPEG, PNG or WebP photo (iPhone HEIC photos are not accepted: take a screenshot of the photo, then send that).
error-photo-corrupt = This photo is damaged or incomplete. Try another photo.
error-photo-dimensions = This photo has too many pixels. Take a screenshot of it, then send that.
error-client-id-reused = This id was already used for something else.
error-body-invalid = The upload was interrupted. Try again.
