# Witness safety: proof of work, no-JavaScript wait, photos.

## Preuve de travail avant l'ouverture d'une conversation
proof-working = Préparation d'une conversation sécurisée… Votre appareil effectue un court calcul qui protège le service contre les envois automatisés. Cela prend quelques secondes.
proof-working-progress = Préparation d'une conversation sécurisée… ({ $n } essais)
proof-wait = Pour protéger le service contre les envois automatisés, la conversation s'ouvre quelques secondes après l'affichage de la page. Appuyez de nouveau sur le bouton dans { $seconds } { $seconds ->
    [one] seconde
   *[other] secondes
  }.
proof-spent = Ce formulaire a déjà servi à ouvrir une conversation. Pour la reprendre, utilisez votre code de reçu ci-dessous ; pour en commencer une nouvelle, appuyez sur le bouton.
proof-expired = La page était ouverte depuis trop longtemps. Appuyez de nouveau sur le bouton pour commencer.
error-proof-required = La vérification anti-abus manque. Rechargez la page, puis réessayez.
error-proof-invalid = La vérification anti-abus n'a pas été reconnue. Rechargez la page, puis réessayez.
error-proof-expired = La vérification anti-abus a expiré. Réessayez.
error-proof-spent = Cette vérification a déjà servi. Réessayez.
error-proof-unsolved = La vérification anti-abus a échoué. Réessayez.
error-proof-too-early = Patientez quelques secondes, puis réessayez.
error-proof-unavailable = Votre navigateur n'a pas pu effectuer la vérification anti-abus. Désactivez le blocage des scripts pour cette page, ou utilisez le formulaire sans JavaScript.
