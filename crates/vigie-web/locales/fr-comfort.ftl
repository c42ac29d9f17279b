# Confort des agents (issue 6) : réponses types, raccourcis clavier, « écrit… » et « vu ».

## Réponses types : page d'administration
nav-canned = Réponses types
canned-title = Réponses types
canned-lead = Des textes prêts à l'emploi que les agents insèrent dans leur réponse, puis relisent et complètent avant de l'envoyer. Une liste par langue : l'agent voit celle de la langue du témoin. Ce ne sont pas des données d'enquête : n'y mettez rien de confidentiel.
canned-create-title = Ajouter une réponse type
canned-create-legend = Nouvelle réponse type
canned-create-button = Ajouter la réponse type
canned-edit-title = Modifier une réponse type
canned-edit-legend = Réponse type
canned-save-button = Enregistrer
canned-back = Retour aux réponses types
canned-field-locale = Langue
canned-field-title = Titre
canned-field-title-hint = Ce que l'agent voit dans sa liste : une ligne, 80 caractères au plus.
canned-field-body = Texte inséré dans la réponse
canned-field-body-hint = 4 000 caractères au plus. L'agent peut le modifier avant de l'envoyer.
canned-field-position = Position dans la liste
canned-field-position-hint = Un nombre de 0 à 999, les plus petits en premier. Les neuf premières réponses s'insèrent aussi avec Alt+1 à Alt+9.
canned-locale-fr = Français
canned-locale-en = Anglais
canned-list-fr = Réponses en français
canned-list-en = Réponses en anglais
canned-list-empty = Aucune réponse type dans cette langue.
canned-col-position = Position
canned-col-title = Titre
canned-col-body = Texte
canned-col-actions = Actions
canned-edit = Modifier
canned-delete = Supprimer
canned-created = Réponse type « { $title } » ajoutée.
canned-saved = Réponse type « { $title } » enregistrée.
canned-deleted = Réponse type supprimée.
canned-error-locale = Choisissez le français ou l'anglais.
canned-error-title-empty = Indiquez un titre.
canned-error-title-too-long = Le titre est trop long (80 caractères au plus).
canned-error-title-invalid = Le titre doit tenir sur une ligne, sans caractère de contrôle.
canned-error-body-empty = Indiquez le texte de la réponse.
canned-error-body-too-long = Le texte est trop long (4 000 caractères au plus).
canned-error-body-invalid = Le texte contient des caractères non autorisés.
canned-error-position = Indiquez un nombre entier de 0 à 999.

## Réponses types : page de conversation
comfort-canned-title = Réponses types
comfort-canned-hint = Choisir une réponse l'insère dans votre message sans l'envoyer : relisez-la, complétez-la, puis envoyez.
comfort-canned-empty = Aucune réponse type dans la langue de ce témoin.
comfort-canned-unavailable = Les réponses types n'ont pas pu être chargées.
comfort-canned-inserted = Réponse type insérée dans votre message :

## Raccourcis clavier
comfort-shortcuts-title = Raccourcis clavier
comfort-shortcuts-hint = Ils n'utilisent aucune touche des lecteurs d'écran, et chaque action a aussi son bouton ou son champ.
comfort-kbd-enter = Entrée
comfort-kbd-escape = Échap
comfort-key-take-next = prendre la conversation suivante (bouton « Prendre la suivante »)
comfort-key-reply = aller dans la zone de réponse
comfort-key-send = envoyer le message (Entrée seule aussi ; Maj+Entrée va à la ligne)
comfort-key-canned = insérer la réponse type n° 1 à 9 dans le message, sans l'envoyer
comfort-key-canned-list = aller à la liste des réponses types (flèches haut et bas pour s'y déplacer)
comfort-key-escape = quitter la liste des réponses types et revenir au message

## Indicateurs « écrit… » et « vu »
comfort-witness-typing = Le témoin écrit…
comfort-officer-typing = L'agent écrit…
comfort-seen = Vu
comfort-seen-by-witness = par le témoin
comfort-seen-by-officer = par l'agent
