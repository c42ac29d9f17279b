# Witness safety: proof of work, no-JavaScript wait, photos.
