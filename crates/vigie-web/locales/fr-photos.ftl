# Witness photos.

## Page du témoin : envoi d'une photo (avec JavaScript)
photo-add = Ajouter une photo
photo-hint = JPEG, PNG ou WebP, { $size } au maximum. La photo part dès que vous l'avez choisie.
photo-warning = Avant d'enregistrer une photo, nous en retirons la position GPS, la date, le modèle de l'appareil et toutes les autres données cachées. Mais ce que la photo montre peut encore vous faire reconnaître : une vue depuis votre fenêtre, un lieu que peu de gens fréquentent, un reflet, une personne. Ne l'envoyez que si vous êtes à l'aise avec cela.
photo-sending = Envoi de la photo…
photo-sent-status = Votre photo a été envoyée.
photo-in-thread = Photo envoyée
photo-retrying = La connexion a été interrompue. Nouvel essai d'envoi de la photo…
photo-size-mib = { $n } Mo
photo-size-kib = { $n } Ko

## Console des agents
staff-photo-alt = Photo envoyée par le témoin à { $time }
staff-photo-gone = Photo supprimée (durée de conservation dépassée)

## Erreurs
error-photo-too-large = Cette photo est trop lourde. Choisissez une photo plus petite, ou faites une capture d'écran de la photo et envoyez-la.
error-photo-empty = Ce fichier est vide.
error-photo-type = Ce type de fichier n'est pas accepté. Envoyez une photo JPEG, PNG ou WebP (les photos HEIC d'iPhone ne sont pas acceptées : faites une capture d'écran de la photo, puis envoyez-la).
error-photo-corrupt = Cette photo est abîmée ou incomplète. Réessayez avec une autre photo.
error-photo-dimensions = Cette photo a trop de pixels. Faites une capture d'écran de la photo, puis envoyez-la.
error-client-id-reused = Cet identifiant a déjà servi pour un autre envoi.
error-body-invalid = L'envoi a été interrompu. Réessayez.
